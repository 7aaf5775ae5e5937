import * as React from 'react';
import {
  Badge,
  Box,
  Button,
  Field,
  Flex,
  Grid,
  NumberInput,
  SingleSelect,
  SingleSelectOption,
  Typography,
  VisuallyHidden,
} from '@strapi/design-system';
import { ArrowClockwise, Check } from '@strapi/icons';
import { Layouts, Page, useFetchClient, useNotification, useRBAC } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import { PERMISSIONS } from '../permissions';
import { SigningKeys, type SigningInfo } from '../components/SigningKeys';
import { PLUGIN_ID } from '../pluginId';
import { formatSeconds } from '../utils/format';
import { getTrad } from '../utils/getTrad';
import {
  LIFESPAN_KEYS,
  split,
  UNIT_SECONDS,
  UNITS,
  validate,
  type LifespanKey,
  type Lifespans,
  type Problem,
  type Unit,
} from '../utils/lifespans';

interface SettingsView {
  values: Lifespans;
  configured: Lifespans;
  sources: Record<LifespanKey, 'default' | 'config' | 'saved'>;
  signing?: SigningInfo;
}

type Draft = Record<LifespanKey, { amount: number | undefined; unit: Unit }>;

const toDraft = (values: Lifespans): Draft => Object.fromEntries(LIFESPAN_KEYS.map((key) => [key, split(values[key])])) as Draft;

const toSeconds = (draft: Draft): Record<LifespanKey, number | undefined> =>
  Object.fromEntries(
    LIFESPAN_KEYS.map((key) => {
      const { amount, unit } = draft[key];
      return [key, amount === undefined || !Number.isFinite(amount) ? undefined : amount * UNIT_SECONDS[unit]];
    })
  ) as Record<LifespanKey, number | undefined>;

/** Field errors of a Strapi ValidationError reply, keyed by field. */
function serverProblems(error: unknown): Partial<Record<LifespanKey, string>> {
  const details = (error as { response?: { data?: { error?: { details?: { errors?: Array<{ path: string[]; message: string }> } } } } })
    ?.response?.data?.error?.details?.errors;
  const result: Partial<Record<LifespanKey, string>> = {};
  for (const e of details ?? []) {
    const key = e.path?.[0] as LifespanKey;
    if ((LIFESPAN_KEYS as readonly string[]).includes(key)) result[key] ??= e.message;
  }
  return result;
}

export const SettingsPage = () => {
  const { formatMessage } = useIntl();
  const { get, put, post } = useFetchClient();
  const { toggleNotification } = useNotification();
  const {
    isLoading: isLoadingPermissions,
    allowedActions: { canUpdate },
  } = useRBAC(PERMISSIONS.settingsUpdate);

  const [view, setView] = React.useState<SettingsView | null>(null);
  const [draft, setDraft] = React.useState<Draft | null>(null);
  const [submitting, setSubmitting] = React.useState(false);
  const [fromServer, setFromServer] = React.useState<Partial<Record<LifespanKey, string>>>({});
  const [loadError, setLoadError] = React.useState(false);

  const apply = (next: SettingsView) => {
    setView(next);
    setDraft(toDraft(next.values));
    setFromServer({});
  };

  React.useEffect(() => {
    get<{ data: SettingsView }>(`/${PLUGIN_ID}/settings`)
      .then(({ data }) => {
        setView(data.data);
        setDraft(toDraft(data.data.values));
      })
      .catch(() => setLoadError(true));
  }, [get]);

  const t = (id: string, values?: Record<string, string | number>) => formatMessage({ id: getTrad(id), defaultMessage: id }, values);

  if (loadError) return <Page.Error />;
  if (!view || !draft || isLoadingPermissions) return <Page.Loading />;

  const seconds = toSeconds(draft);
  const problems = validate(seconds);
  const modified = LIFESPAN_KEYS.some((key) => seconds[key] !== view.values[key]);
  const hasProblems = Object.keys(problems).length > 0;

  const problemText = (p: Problem) =>
    t(
      p.id,
      p.values && { min: formatSeconds(formatMessage, Number(p.values.min)), max: formatSeconds(formatMessage, Number(p.values.max)) }
    );

  const onSubmit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (hasProblems || !canUpdate) return;
    setSubmitting(true);
    try {
      // Only what was changed here is saved; untouched fields keep following config/plugins.ts.
      const changed = Object.fromEntries(
        LIFESPAN_KEYS.filter((key) => seconds[key] !== view.values[key]).map((key) => [key, seconds[key]])
      );
      const { data } = await put<{ data: SettingsView }>(`/${PLUGIN_ID}/settings`, changed);
      apply(data.data);
      toggleNotification({ type: 'success', message: t('settings.notification.saved') });
    } catch (error) {
      setFromServer(serverProblems(error));
      toggleNotification({ type: 'danger', message: t('settings.notification.error') });
    } finally {
      setSubmitting(false);
    }
  };

  const onReset = async () => {
    setSubmitting(true);
    try {
      const { data } = await post<{ data: SettingsView }>(`/${PLUGIN_ID}/settings/reset`);
      apply(data.data);
      toggleNotification({ type: 'success', message: t('settings.notification.reset') });
    } catch {
      toggleNotification({ type: 'danger', message: t('settings.notification.error') });
    } finally {
      setSubmitting(false);
    }
  };

  const setField = (key: LifespanKey, patch: Partial<Draft[LifespanKey]>) => {
    setDraft((d) => (d ? { ...d, [key]: { ...d[key], ...patch } } : d));
    setFromServer((s) => ({ ...s, [key]: undefined }));
  };

  return (
    <Page.Main aria-busy={submitting}>
      <Page.Title>{t('settings.page.title')}</Page.Title>
      <form onSubmit={onSubmit} noValidate>
        <Layouts.Header
          title={t('settings.header.title')}
          subtitle={t('settings.header.subtitle')}
          primaryAction={
            <Flex gap={2}>
              <Button
                type="button"
                variant="tertiary"
                startIcon={<ArrowClockwise />}
                onClick={onReset}
                disabled={!canUpdate || submitting || LIFESPAN_KEYS.every((key) => view.sources[key] !== 'saved')}
                size="S"
              >
                {t('settings.reset')}
              </Button>
              <Button type="submit" startIcon={<Check />} loading={submitting} disabled={!canUpdate || !modified || hasProblems} size="S">
                {t('settings.save')}
              </Button>
            </Flex>
          }
        />
        <Layouts.Content>
          <Box background="neutral0" hasRadius shadow="filterShadow" paddingTop={6} paddingBottom={6} paddingLeft={7} paddingRight={7}>
            <Flex direction="column" alignItems="stretch" gap={4}>
              <Typography variant="delta" tag="h2">
                {t('settings.section.lifespans')}
              </Typography>
              <Typography variant="pi" textColor="neutral600">
                {t('settings.section.precedence')}
              </Typography>
              <Grid.Root gap={6}>
                {LIFESPAN_KEYS.map((key) => {
                  const problem = problems[key] ? problemText(problems[key]!) : fromServer[key];
                  const saved = view.sources[key] === 'saved';
                  return (
                    <Grid.Item key={key} col={6} s={12} direction="column" alignItems="stretch">
                      <Field.Root
                        name={key}
                        id={`refresh-token-${key}`}
                        error={problem}
                        hint={t('settings.hint.configured', { value: formatSeconds(formatMessage, view.configured[key]) })}
                      >
                        <Flex justifyContent="space-between" alignItems="center" gap={2}>
                          <Field.Label>{t(`settings.field.${key}.label`)}</Field.Label>
                          <Badge
                            data-testid={`source-${key}`}
                            backgroundColor={saved ? 'success100' : 'neutral150'}
                            textColor={saved ? 'success700' : 'neutral700'}
                          >
                            {t(`settings.source.${view.sources[key]}`)}
                          </Badge>
                        </Flex>
                        <Typography variant="pi" textColor="neutral600">
                          {t(`settings.field.${key}.description`)}
                        </Typography>
                        <Flex gap={2} alignItems="flex-start">
                          <Box flex="1">
                            <NumberInput
                              name={key}
                              aria-label={t(`settings.field.${key}.label`)}
                              value={draft[key].amount}
                              step={1}
                              disabled={!canUpdate}
                              onValueChange={(amount) => setField(key, { amount })}
                            />
                          </Box>
                          <Field.Root name={`${key}-unit`} id={`refresh-token-${key}-unit`} width="14rem">
                            <VisuallyHidden>
                              <Field.Label>{t('settings.unit.label', { field: t(`settings.field.${key}.label`) })}</Field.Label>
                            </VisuallyHidden>
                            <SingleSelect
                              value={draft[key].unit}
                              disabled={!canUpdate}
                              onChange={(unit) => setField(key, { unit: unit as Unit })}
                            >
                              {UNITS.map((unit) => (
                                <SingleSelectOption key={unit} value={unit}>
                                  {t(`unit.${unit}`)}
                                </SingleSelectOption>
                              ))}
                            </SingleSelect>
                          </Field.Root>
                        </Flex>
                        <Field.Error />
                        <Field.Hint />
                      </Field.Root>
                    </Grid.Item>
                  );
                })}
              </Grid.Root>
            </Flex>
          </Box>
          {view.signing && <SigningKeys signing={view.signing} />}
        </Layouts.Content>
      </form>
    </Page.Main>
  );
};

export const ProtectedSettingsPage = () => (
  <Page.Protect permissions={PERMISSIONS.settingsRead}>
    <SettingsPage />
  </Page.Protect>
);

export default ProtectedSettingsPage;
