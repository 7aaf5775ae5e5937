import * as React from 'react';
import {
  Badge,
  Box,
  Button,
  EmptyStateLayout,
  Flex,
  IconButton,
  SingleSelect,
  SingleSelectOption,
  Table,
  Tbody,
  Td,
  TextInput,
  Th,
  Thead,
  Tr,
  Typography,
} from '@strapi/design-system';
import { ArrowLeft, ArrowRight, Cross, Search, Trash } from '@strapi/icons';
import { Layouts, Page, useFetchClient, useRBAC } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import type { AdminSessionView } from '../../../contracts/src/sessions';
import { PERMISSIONS } from '../permissions';
import { PLUGIN_ID } from '../pluginId';
import { ConfirmRevokeDialog } from '../components/ConfirmRevokeDialog';
import { getTrad } from '../utils/getTrad';
import { useSessionList } from '../utils/useSessionList';

/** A value with a secondary line under it: keeps the table narrow enough for a 1280-px window. */
const TwoLineCell = ({ main, sub, bold, title, badge }: { main: string; sub: string; bold?: boolean; title?: string; badge?: string }) => (
  <Td>
    <Flex direction="column" alignItems="flex-start">
      <Flex gap={2}>
        <Typography fontWeight={bold ? 'bold' : undefined} title={title}>
          {main}
        </Typography>
        {badge ? <Badge>{badge}</Badge> : null}
      </Flex>
      <Typography variant="pi" textColor="neutral600">
        {sub}
      </Typography>
    </Flex>
  </Td>
);

type AdminSession = AdminSessionView;

interface SessionsReply {
  data: AdminSession[];
  pagination: { page: number; pageSize: number; total: number; pageCount: number };
}

type PendingRevoke = { kind: 'one'; session: AdminSession } | { kind: 'user'; user: AdminSession['user'] };

const PAGE_SIZES = [10, 25, 50, 100];

export const SessionsPage = () => {
  const { formatMessage, formatDate } = useIntl();
  const { get } = useFetchClient();
  const {
    isLoading: isLoadingPermissions,
    allowedActions: { canRevoke },
  } = useRBAC(PERMISSIONS.sessionsRevoke);

  const [query, setQuery] = React.useState({ page: 1, pageSize: 10, user: '' });
  const [filterInput, setFilterInput] = React.useState('');
  const [reply, setReply] = React.useState<SessionsReply | null>(null);
  const [loadError, setLoadError] = React.useState(false);
  const [pending, setPending] = React.useState<PendingRevoke | null>(null);

  const t = (id: string, values?: Record<string, string | number>) => formatMessage({ id: getTrad(id), defaultMessage: id }, values);
  const when = (iso: string) => formatDate(iso, { dateStyle: 'short', timeStyle: 'short' });

  const load = React.useCallback(async () => {
    const params = new URLSearchParams({ page: String(query.page), pageSize: String(query.pageSize) });
    if (query.user) params.set('user', query.user);
    try {
      const { data } = await get<SessionsReply>(`/${PLUGIN_ID}/sessions?${params}`);
      // A revoke can empty the last page: step back to the last one that exists.
      if (data.data.length === 0 && query.page > 1 && data.pagination.pageCount < query.page) {
        setQuery((q) => ({ ...q, page: Math.max(1, data.pagination.pageCount) }));
        return;
      }
      setReply(data);
    } catch {
      setLoadError(true);
    }
  }, [get, query]);

  const { busy, revoke } = useSessionList(load);
  const confirmRevoke = async () => {
    if (!pending) return;
    await revoke(pending.kind === 'one' ? { sessionId: pending.session.id } : { userId: pending.user.id });
    setPending(null);
  };

  if (loadError) return <Page.Error />;
  if (!reply || isLoadingPermissions) return <Page.Loading />;

  const { pagination } = reply;
  const userLabel = (user: AdminSession['user']) =>
    user.username ?? user.email ?? t('username' in user || 'email' in user ? 'sessions.user.deleted' : 'sessions.user.id', { id: user.id });
  // Five columns so that the table fits at 1280 px with room to spare: each pairs a value with a
  // secondary line (last use and sign-in, the two expiries, device and IP).
  const columns = ['user', 'lastUsedAt', 'expiry', 'device'];

  return (
    <Page.Main aria-busy={busy}>
      <Page.Title>{t('sessions.page.title')}</Page.Title>
      <Layouts.Header
        title={t('sessions.header.title')}
        subtitle={t(query.user ? 'sessions.header.subtitle.filtered' : 'sessions.header.subtitle', { total: pagination.total })}
      />
      <Layouts.Action
        startActions={
          <form
            role="search"
            onSubmit={(event) => {
              event.preventDefault();
              setQuery((q) => ({ ...q, page: 1, user: filterInput.trim() }));
            }}
          >
            <Flex gap={2} alignItems="center">
              <Box width="32rem">
                <TextInput
                  name="user"
                  aria-label={t('sessions.filter.label')}
                  placeholder={t('sessions.filter.placeholder')}
                  value={filterInput}
                  onChange={(e: React.ChangeEvent<HTMLInputElement>) => setFilterInput(e.target.value)}
                  startAction={<Search aria-hidden />}
                />
              </Box>
              <Button type="submit" variant="secondary" size="L">
                {t('sessions.filter.submit')}
              </Button>
              {query.user ? (
                <Button
                  type="button"
                  variant="tertiary"
                  size="L"
                  startIcon={<Cross />}
                  onClick={() => {
                    setFilterInput('');
                    setQuery((q) => ({ ...q, page: 1, user: '' }));
                  }}
                >
                  {t('sessions.filter.clear')}
                </Button>
              ) : null}
            </Flex>
          </form>
        }
      />
      <Layouts.Content>
        {reply.data.length === 0 ? (
          <EmptyStateLayout content={t(query.user ? 'sessions.empty.filtered' : 'sessions.empty')} />
        ) : (
          <Table colCount={columns.length + 1} rowCount={reply.data.length + 1}>
            <Thead>
              <Tr>
                {columns.map((column) => (
                  <Th key={column}>
                    <Typography variant="sigma">{t(`sessions.column.${column}`)}</Typography>
                  </Th>
                ))}
                <Th>
                  <Typography variant="sigma">{t('sessions.column.actions')}</Typography>
                </Th>
              </Tr>
            </Thead>
            <Tbody>
              {reply.data.map((session) => (
                <Tr key={session.id} data-session-id={session.id}>
                  <TwoLineCell main={userLabel(session.user)} bold sub={session.user.email ?? ''} />
                  <TwoLineCell main={when(session.lastUsedAt)} sub={t('sessions.signedIn', { date: when(session.createdAt) })} />
                  <TwoLineCell main={when(session.expiresAt)} sub={t('sessions.absolute', { date: when(session.absoluteExpiresAt) })} />
                  <TwoLineCell
                    main={session.device}
                    title={session.userAgent ?? undefined}
                    sub={[session.ip ?? t('sessions.unknown'), session.deviceId && t('sessions.deviceId', { id: session.deviceId })]
                      .filter(Boolean)
                      .join(' · ')}
                    badge={session.bound ? t('sessions.bound') : undefined}
                  />
                  <Td>
                    <Flex gap={1}>
                      <IconButton
                        label={t('sessions.action.revoke', { user: userLabel(session.user) })}
                        variant="ghost"
                        disabled={!canRevoke}
                        onClick={() => setPending({ kind: 'one', session })}
                      >
                        <Trash />
                      </IconButton>
                      <IconButton
                        label={t('sessions.action.revokeAllOf', { user: userLabel(session.user) })}
                        variant="ghost"
                        disabled={!canRevoke}
                        onClick={() => setPending({ kind: 'user', user: session.user })}
                      >
                        <Cross />
                      </IconButton>
                    </Flex>
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
        <Flex justifyContent="space-between" alignItems="center" paddingTop={4}>
          <Flex gap={2} alignItems="center">
            <Box width="10rem">
              <SingleSelect
                aria-label={t('sessions.pagination.pageSize')}
                value={query.pageSize}
                onChange={(value) => setQuery((q) => ({ ...q, page: 1, pageSize: Number(value) }))}
                size="S"
              >
                {PAGE_SIZES.map((size) => (
                  <SingleSelectOption key={size} value={size}>
                    {String(size)}
                  </SingleSelectOption>
                ))}
              </SingleSelect>
            </Box>
            <Typography variant="pi" textColor="neutral600">
              {t('sessions.pagination.pageSize')}
            </Typography>
          </Flex>
          <Flex gap={2} alignItems="center">
            <IconButton
              label={t('sessions.pagination.previous')}
              disabled={pagination.page <= 1}
              onClick={() => setQuery((q) => ({ ...q, page: q.page - 1 }))}
            >
              <ArrowLeft />
            </IconButton>
            <Typography variant="pi">
              {t('sessions.pagination.status', { page: pagination.page, pageCount: Math.max(1, pagination.pageCount) })}
            </Typography>
            <IconButton
              label={t('sessions.pagination.next')}
              disabled={pagination.page >= pagination.pageCount}
              onClick={() => setQuery((q) => ({ ...q, page: q.page + 1 }))}
            >
              <ArrowRight />
            </IconButton>
          </Flex>
        </Flex>
      </Layouts.Content>
      <ConfirmRevokeDialog
        kind={pending === null ? null : pending.kind === 'user' ? 'all' : 'one'}
        message={
          pending?.kind === 'user'
            ? t('sessions.confirm.revokeAll', { user: userLabel(pending.user) })
            : pending
              ? t('sessions.confirm.revoke', { user: userLabel(pending.session.user) })
              : ''
        }
        busy={busy}
        onConfirm={confirmRevoke}
        onCancel={() => setPending(null)}
      />
    </Page.Main>
  );
};

export const ProtectedSessionsPage = () => (
  <Page.Protect permissions={PERMISSIONS.sessionsRead}>
    <SessionsPage />
  </Page.Protect>
);

export default ProtectedSessionsPage;
