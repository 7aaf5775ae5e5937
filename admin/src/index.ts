import { UserSessionsPanel } from './components/UserSessionsPanel';
import { PERMISSIONS } from './permissions';
import { PLUGIN_ID } from './pluginId';
import { getTrad, prefixPluginTranslations } from './utils/getTrad';

export default {
  register(app: any) {
    // Settings → Refresh tokens: each link is hidden from roles without its read action.
    app.addSettingsLink({ id: PLUGIN_ID, intlLabel: { id: getTrad('settings.section'), defaultMessage: 'Refresh tokens' } }, [
      {
        id: `${PLUGIN_ID}-settings`,
        intlLabel: { id: getTrad('settings.link'), defaultMessage: 'Lifespans' },
        to: `${PLUGIN_ID}/settings`,
        Component: () => import('./pages/SettingsPage'),
        permissions: PERMISSIONS.settingsRead,
      },
      {
        id: `${PLUGIN_ID}-sessions`,
        intlLabel: { id: getTrad('sessions.link'), defaultMessage: 'Sessions' },
        to: `${PLUGIN_ID}/sessions`,
        Component: () => import('./pages/SessionsPage'),
        permissions: PERMISSIONS.sessionsRead,
      },
      {
        id: `${PLUGIN_ID}-activity`,
        intlLabel: { id: getTrad('activity.link'), defaultMessage: 'Security activity' },
        to: `${PLUGIN_ID}/activity`,
        Component: () => import('./pages/ActivityPage'),
        permissions: PERMISSIONS.activityRead,
      },
    ]);
    app.registerPlugin({ id: PLUGIN_ID, name: 'Refresh tokens' });
  },

  bootstrap(app: any) {
    // The users-permissions user's edit view shows that user's sessions.
    app.getPlugin('content-manager')?.apis?.addEditViewSidePanel?.([UserSessionsPanel]);
  },

  async registerTrads({ locales }: { locales: string[] }) {
    return Promise.all(
      locales.map(async (locale) => {
        try {
          const { default: data } = await import(`./translations/${locale}.json`);
          return { data: prefixPluginTranslations(data, PLUGIN_ID), locale };
        } catch {
          return { data: {}, locale };
        }
      })
    );
  },
};
