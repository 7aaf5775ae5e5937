/**
 * With @strapi/plugin-graphql installed: the users-permissions `login` and `register` mutations
 * already create sessions (they call the wrapped REST controllers); this adds `refreshToken` to
 * their payload (body delivery) and the `refreshToken` and `logout` mutations.
 */
import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { errors } from '@strapi/utils';
import { logoutWith, readCookieToken, Refusal, refreshWith, requireTokenString } from './http';

interface GraphQLContext {
  koaContext: Context;
}

/** GraphQL reports Strapi's own errors; a Refusal becomes one, reason kept. */
async function answering<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    throw error.status === 401 ? new errors.UnauthorizedError(error.message) : new errors.ForbiddenError(error.message);
  }
}

const presentedToken = (ctx: Context, strapi: Core.Strapi, argument: unknown) =>
  argument === undefined || argument === null ? readCookieToken(ctx, strapi) : requireTokenString(argument);

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
                answering(() => refreshWith(koaContext, strapi, presentedToken(koaContext, strapi, args.refreshToken))),
            });
            t.nonNull.boolean('logout', {
              description: "Revokes the refresh token's session (argument, or else the cookie)",
              args: { refreshToken: nexus.stringArg() },
              resolve: (_parent: unknown, args: { refreshToken?: unknown }, { koaContext }: GraphQLContext) =>
                answering(async () => {
                  await logoutWith(koaContext, strapi, presentedToken(koaContext, strapi, args.refreshToken));
                  return true;
                }),
            });
          },
        }),
      ],
      resolversConfig: {
        'Mutation.refreshToken': { auth: false },
        'Mutation.logout': { auth: false },
      },
    }));
}
