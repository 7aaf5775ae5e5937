/**
 * The one typed way to the plugin's services, in the spirit of users-permissions' `getService`.
 * Looked up per call: Strapi instantiates services after `register`, and tests may replace them.
 * Each service names itself in `Services` (module augmentation), so this module imports none of them.
 */
import type { Core } from '@strapi/strapi';

export interface Services {}

export const getService = <Name extends keyof Services>(strapi: Core.Strapi, name: Name): Services[Name] =>
  strapi.plugin('refresh-token').service(name) as Services[Name];
