/**
 * The one typed way to the plugin's services, in the spirit of users-permissions' `getService`.
 * Looked up per call: Strapi instantiates services after `register`, and tests may replace them.
 */
import type { Core } from '@strapi/strapi';
import type services from './index';

export type Services = { [Name in keyof typeof services]: ReturnType<(typeof services)[Name]> };

export const getService = <Name extends keyof Services>(strapi: Core.Strapi, name: Name): Services[Name] =>
  strapi.plugin('refresh-token').service(name) as Services[Name];
