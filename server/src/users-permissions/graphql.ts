/**
 * With @strapi/plugin-graphql installed: the users-permissions `login` and `register` mutations
 * already create sessions (they call the wrapped REST controllers); this adds `refreshToken` to
 * their payload (body delivery) and the `refreshToken` and `logout` mutations.
 */
import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { logoutOthersWith, logoutWith, presentedToken, refreshWith } from '../http/transport';
import { tokenEndpoint } from '../http/token-endpoint';
import type { Bucket } from '../services/limiter';

interface GraphQLContext {
  koaContext: Context;
}

/**
 * GraphQL reports Strapi's own errors; a Refusal becomes one, reason kept. Each mutation counts
 * against the same per-IP limit as its REST route, so aliases cannot multiply attempts.
 */
const answering = <T>(strapi: Core.Strapi, ctx: Context, bucket: Bucket, work: () => Promise<T>) =>
  tokenEndpoint(ctx, strapi, { bucket, refusals: 'throw' }, work) as Promise<T>;

const argumentToken = (argument: unknown) => (argument === null ? undefined : argument);

export function registerGraphQL(strapi: Core.Strapi): void {
  if (!strapi.plugin('graphql')) return;
  const extension = strapi.plugin('graphql').service('extension');
  // The session table is never queryable, whatever the roles say.
  extension.shadowCRUD('plugin::refresh-token.session').disable();
  extension.use(({ nexus }: { nexus: any }) => ({
    types: [
      nexus.extendType({
        type: 'UsersPermissionsLoginPayload',
        definition(t: any) {
          t.string('refreshToken', {
            description: "The session's refresh token, when the plugin's delivery is 'body' or 'both'",
            resolve: (_parent: unknown, _args: unknown, { koaContext }: GraphQLContext) => koaContext.state.refreshTokenIssued ?? null,
          });
        },
      }),
      nexus.objectType({
        name: 'RefreshTokenPayload',
        definition(t: any) {
          t.nonNull.string('jwt');
          t.string('refreshToken');
        },
      }),
      nexus.extendType({
        type: 'Mutation',
        definition(t: any) {
          t.nonNull.field('refreshToken', {
            type: 'RefreshTokenPayload',
            description: 'Rotates the refresh token given as argument, or else the one in the cookie',
            args: { refreshToken: nexus.stringArg() },
            resolve: (_parent: unknown, args: { refreshToken?: unknown }, { koaContext }: GraphQLContext) =>
              answering(strapi, koaContext, 'refresh', () =>
                refreshWith(koaContext, strapi, presentedToken(koaContext, strapi, argumentToken(args.refreshToken)))
              ),
          });
          t.nonNull.boolean('logout', {
            description: "Revokes the refresh token's session (argument, or else the cookie)",
            args: { refreshToken: nexus.stringArg() },
            resolve: (_parent: unknown, args: { refreshToken?: unknown }, { koaContext }: GraphQLContext) =>
              answering(strapi, koaContext, 'logout', async () => {
                await logoutWith(koaContext, strapi, presentedToken(koaContext, strapi, argumentToken(args.refreshToken), 'accept'));
                return true;
              }),
          });
          t.nonNull.int('logoutOthers', {
            description: 'Revokes every session of the user except the one of the Bearer access token; returns how many',
            resolve: (_parent: unknown, _args: unknown, { koaContext }: GraphQLContext) =>
              answering(strapi, koaContext, 'logout-others', () => logoutOthersWith(koaContext, strapi)),
          });
        },
      }),
    ],
    resolversConfig: {
      'Mutation.refreshToken': { auth: false },
      'Mutation.logout': { auth: false },
      'Mutation.logoutOthers': { auth: false },
    },
  }));
}
