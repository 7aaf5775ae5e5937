export const PLUGIN_ID = 'refresh-token';
