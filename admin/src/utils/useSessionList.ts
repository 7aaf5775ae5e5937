/**
 * What both admin session views share (Settings → Sessions, the Content Manager panel): the list
 * loaded when `load` changes, and revocation of one session or all of a user's, a notice, a reload.
 */
import * as React from 'react';
import { useFetchClient, useNotification } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import { PLUGIN_ID } from '../pluginId';
import { getTrad } from './getTrad';

export type RevocationTarget = { sessionId: string } | { userId: number };

export function useSessionList(load: () => Promise<void>) {
  const { formatMessage } = useIntl();
  const { del } = useFetchClient();
  const { toggleNotification } = useNotification();
  const [busy, setBusy] = React.useState(false);
  const t = (id: string, values?: Record<string, number>) => formatMessage({ id: getTrad(id), defaultMessage: id }, values);

  React.useEffect(() => {
    void load();
  }, [load]);

  const revoke = async (target: RevocationTarget) => {
    setBusy(true);
    try {
      if ('sessionId' in target) {
        await del(`/${PLUGIN_ID}/sessions/${encodeURIComponent(target.sessionId)}`);
        toggleNotification({ type: 'success', message: t('sessions.notification.revoked') });
      } else {
        const { data } = await del<{ revoked: number }>(`/${PLUGIN_ID}/users/${target.userId}/sessions`);
        toggleNotification({ type: 'success', message: t('sessions.notification.revokedAll', { count: data.revoked }) });
      }
    } catch {
      toggleNotification({ type: 'danger', message: t('sessions.notification.error') });
    } finally {
      setBusy(false);
      await load();
    }
  };
  return { busy, revoke };
}
