/**
 * Settings → Refresh tokens → Security activity: charts of refreshes, logins, reuse detections and
 * revocations by reason over the last 24 hours or 7 days, and the latest security events. Bars are
 * drawn with the design system's boxes: no chart library in the admin bundle.
 */
import * as React from 'react';
import { Box, Button, EmptyStateLayout, Flex, Grid, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { Layouts, Page, useFetchClient } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import { PERMISSIONS } from '../permissions';
import { PLUGIN_ID } from '../pluginId';
import { getTrad } from '../utils/getTrad';

type Range = '24h' | '7d';

interface ActivityReply {
  range: Range;
  buckets: string[];
  refreshes: number[];
  logins: number[];
  reuse: number[];
  revocations: Record<string, number[]>;
  events: Array<{
    id: number;
    type: string;
    at: string;
    user: { id: number; username?: string | null; email?: string | null } | null;
    device: string | null;
    network: string | null;
    reason: string | null;
  }>;
}

const total = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** One series as bars, each labelled with its count and time for screen readers and on hover. */
const Bars = ({ title, values, labels, color }: { title: string; values: number[]; labels: string[]; color: string }) => {
  const max = Math.max(1, ...values);
  return (
    <Box background="neutral0" hasRadius shadow="filterShadow" padding={4}>
      <Flex justifyContent="space-between" paddingBottom={3}>
        <Typography variant="sigma" tag="h3">
          {title}
        </Typography>
        <Typography variant="omega" fontWeight="bold" data-testid={`total-${title}`}>
          {total(values)}
        </Typography>
      </Flex>
      <Flex alignItems="flex-end" gap={1} height="6rem" role="img" aria-label={`${title}: ${total(values)}`}>
        {values.map((value, i) => (
          <Box
            key={labels[i]}
            flex="1"
            background={value > 0 ? color : 'neutral150'}
            hasRadius
            title={`${labels[i]}: ${value}`}
            style={{ height: `${Math.max(4, (value / max) * 100)}%` }}
          />
        ))}
      </Flex>
    </Box>
  );
};

export const ActivityPage = () => {
  const { formatMessage, formatDate } = useIntl();
  const { get } = useFetchClient();
  const [range, setRange] = React.useState<Range>('24h');
  const [reply, setReply] = React.useState<ActivityReply | null>(null);
  const [loadError, setLoadError] = React.useState(false);
  const t = (id: string, values?: Record<string, string | number>) => formatMessage({ id: getTrad(id), defaultMessage: id }, values);

  React.useEffect(() => {
    let alive = true;
    get<{ data: ActivityReply }>(`/${PLUGIN_ID}/activity?range=${range}`).then(
      ({ data }) => alive && setReply(data.data),
      () => alive && setLoadError(true)
    );
    return () => {
      alive = false;
    };
  }, [get, range]);

  if (loadError) return <Page.Error />;
  if (!reply) return <Page.Loading />;

  const labels = reply.buckets.map((iso) =>
    range === '24h' ? formatDate(iso, { hour: '2-digit', minute: '2-digit' }) : formatDate(iso, { weekday: 'short', day: 'numeric' })
  );
  const revoked = Object.values(reply.revocations).reduce<number[]>(
    (sum, values) => sum.map((n, i) => n + values[i]),
    reply.buckets.map(() => 0)
  );
  const quiet = [reply.refreshes, reply.logins, reply.reuse, revoked].every((values) => total(values) === 0) && reply.events.length === 0;
  const userLabel = (user: ActivityReply['events'][number]['user']) =>
    user === null ? '—' : (user.username ?? user.email ?? t('sessions.user.id', { id: user.id }));

  return (
    <Page.Main>
      <Page.Title>{t('activity.page.title')}</Page.Title>
      <Layouts.Header
        title={t('activity.header.title')}
        subtitle={t('activity.header.subtitle')}
        primaryAction={
          <Flex gap={2}>
            {(['24h', '7d'] as const).map((r) => (
              <Button key={r} variant={r === range ? 'default' : 'tertiary'} onClick={() => setRange(r)} aria-pressed={r === range}>
                {t(`activity.range.${r}`)}
              </Button>
            ))}
          </Flex>
        }
      />
      <Layouts.Content>
        {quiet ? (
          <Box paddingBottom={6}>
            <EmptyStateLayout content={t('activity.empty')} />
          </Box>
        ) : (
          <Grid.Root gap={4}>
            <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
              <Bars title={t('activity.chart.refreshes')} values={reply.refreshes} labels={labels} color="primary500" />
            </Grid.Item>
            <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
              <Bars title={t('activity.chart.logins')} values={reply.logins} labels={labels} color="success500" />
            </Grid.Item>
            <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
              <Bars title={t('activity.chart.reuse')} values={reply.reuse} labels={labels} color="danger500" />
            </Grid.Item>
            <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
              <Bars title={t('activity.chart.revocations')} values={revoked} labels={labels} color="warning500" />
              <Flex gap={3} paddingTop={2} wrap="wrap">
                {Object.entries(reply.revocations).map(([reason, values]) => (
                  <Typography key={reason} variant="pi" textColor="neutral600" data-testid={`reason-${reason}`}>
                    {t('activity.reason', { reason, count: total(values) })}
                  </Typography>
                ))}
              </Flex>
            </Grid.Item>
          </Grid.Root>
        )}
        <Box paddingTop={6}>
          <Typography variant="delta" tag="h2">
            {t('activity.events.title')}
          </Typography>
          <Box paddingTop={3}>
            {reply.events.length === 0 ? (
              <EmptyStateLayout content={t('activity.events.empty')} />
            ) : (
              <Table colCount={5} rowCount={reply.events.length + 1}>
                <Thead>
                  <Tr>
                    {['at', 'event', 'user', 'device', 'network'].map((column) => (
                      <Th key={column}>
                        <Typography variant="sigma">{t(`activity.column.${column}`)}</Typography>
                      </Th>
                    ))}
                  </Tr>
                </Thead>
                <Tbody>
                  {reply.events.map((event) => (
                    <Tr key={event.id} data-event-type={event.type}>
                      <Td>
                        <Typography>{formatDate(event.at, { dateStyle: 'short', timeStyle: 'short' })}</Typography>
                      </Td>
                      <Td>
                        <Typography fontWeight="bold">{t(`activity.event.${event.type}`)}</Typography>
                      </Td>
                      <Td>
                        <Typography>{userLabel(event.user)}</Typography>
                      </Td>
                      <Td>
                        <Typography>{event.device ?? '—'}</Typography>
                      </Td>
                      <Td>
                        <Typography>{event.network ?? t('sessions.unknown')}</Typography>
                      </Td>
                    </Tr>
                  ))}
                </Tbody>
              </Table>
            )}
          </Box>
        </Box>
      </Layouts.Content>
    </Page.Main>
  );
};

export const ProtectedActivityPage = () => (
  <Page.Protect permissions={PERMISSIONS.activityRead}>
    <ActivityPage />
  </Page.Protect>
);

export default ProtectedActivityPage;
