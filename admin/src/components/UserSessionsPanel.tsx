/**
 * A side panel on the users-permissions user's edit view in the Content Manager: that user's live
 * sessions, with "Revoke" and "Revoke all", each confirmed in a dialog as in Settings → Sessions.
 * Hidden for other content types and for admins without `sessions.read`; the buttons need
 * `sessions.revoke`.
 */
import * as React from 'react';
import { Button, Flex, Typography } from '@strapi/design-system';
import { useFetchClient, useRBAC } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import { PERMISSIONS } from '../permissions';
import { PLUGIN_ID } from '../pluginId';
import { ConfirmRevokeDialog } from './ConfirmRevokeDialog';
import { getTrad } from '../utils/getTrad';
import { useSessionList } from '../utils/useSessionList';
import type { SessionView } from '../../../contracts/src/sessions';

const USER_UID = 'plugin::users-permissions.user';

interface PanelProps {
  model: string;
  document?: { id?: number } | null;
}

/** An array, as useRBAC asks (an object is deprecated): allowedActions.canRead and canRevoke. */
const PANEL_PERMISSIONS = [...PERMISSIONS.sessionsRead, ...PERMISSIONS.sessionsRevoke];

type UserSession = Pick<SessionView, 'id' | 'device' | 'ip' | 'lastUsedAt'>;

const UserSessions = ({ userId, canRevoke }: { userId: number; canRevoke: boolean }) => {
  const { formatMessage, formatDate } = useIntl();
  const { get } = useFetchClient();
  const [sessions, setSessions] = React.useState<UserSession[] | null>(null);
  const [failed, setFailed] = React.useState(false);
  /** The revocation waiting for confirmation: one session, or all of the user's. */
  const [pending, setPending] = React.useState<{ kind: 'one'; session: UserSession } | { kind: 'all' } | null>(null);
  const t = (id: string, values?: Record<string, string | number>) => formatMessage({ id: getTrad(id), defaultMessage: id }, values);

  const load = React.useCallback(async () => {
    try {
      const { data } = await get<{ data: UserSession[] }>(`/${PLUGIN_ID}/sessions?user=${userId}&pageSize=100`);
      setSessions(data.data);
    } catch {
      setFailed(true);
    }
  }, [get, userId]);

  const { busy, revoke } = useSessionList(load);
  const confirmRevoke = async () => {
    if (!pending) return;
    await revoke(pending.kind === 'one' ? { sessionId: pending.session.id } : { userId });
    setPending(null);
  };

  if (failed) return <Typography textColor="danger600">{t('user.panel.error')}</Typography>;
  if (!sessions) return null;
  if (sessions.length === 0) return <Typography textColor="neutral600">{t('user.panel.none')}</Typography>;
  return (
    <div data-testid="refresh-token-user-sessions" style={{ width: '100%' }}>
      <Flex direction="column" alignItems="stretch" gap={3} width="100%">
        {sessions.map((session) => (
          <Flex key={session.id} justifyContent="space-between" alignItems="center" gap={2}>
            <Flex direction="column" alignItems="flex-start">
              <Typography fontWeight="bold">{session.device}</Typography>
              <Typography variant="pi" textColor="neutral600">
                {session.ip ?? ''} ·{' '}
                {t('user.panel.lastUsed', {
                  date: formatDate(session.lastUsedAt, {
                    dateStyle: 'short',
                    timeStyle: 'short',
                  }),
                })}
              </Typography>
            </Flex>
            <Button size="S" variant="danger-light" disabled={!canRevoke} onClick={() => setPending({ kind: 'one', session })}>
              {t('user.panel.revoke')}
            </Button>
          </Flex>
        ))}
        <Button variant="danger" fullWidth disabled={!canRevoke} onClick={() => setPending({ kind: 'all' })}>
          {t('user.panel.revokeAll')}
        </Button>
      </Flex>
      <ConfirmRevokeDialog
        kind={pending?.kind ?? null}
        message={
          pending?.kind === 'all'
            ? t('user.panel.confirm.revokeAll')
            : pending
              ? t('user.panel.confirm.revoke', { device: pending.session.device })
              : ''
        }
        busy={busy}
        onConfirm={confirmRevoke}
        onCancel={() => setPending(null)}
      />
    </div>
  );
};

/** The Content Manager renders each side-panel description as a component; null hides it. */
export const UserSessionsPanel = ({ model, document }: PanelProps) => {
  const { formatMessage } = useIntl();
  const {
    isLoading,
    allowedActions: { canRead, canRevoke },
  } = useRBAC(PANEL_PERMISSIONS);
  if (model !== USER_UID || typeof document?.id !== 'number' || isLoading || !canRead) return null;
  return {
    title: formatMessage({
      id: getTrad('user.panel.title'),
      defaultMessage: 'Sessions',
    }),
    content: <UserSessions userId={document.id} canRevoke={canRevoke} />,
  };
};
