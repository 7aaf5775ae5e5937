/** The confirmation every revocation in the admin asks for: Settings → Sessions and the Content Manager panel. */
import { Button, Dialog, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { getTrad } from '../utils/getTrad';

interface ConfirmRevokeDialogProps {
  /** What is about to be revoked: one session or all of a user's; null closes the dialog. */
  kind: 'one' | 'all' | null;
  /** The sentence that says exactly what will happen. */
  message: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

export const ConfirmRevokeDialog = ({ kind, message, busy, onConfirm, onCancel }: ConfirmRevokeDialogProps) => {
  const { formatMessage } = useIntl();
  const t = (id: string) => formatMessage({ id: getTrad(id), defaultMessage: id });
  return (
    <Dialog.Root open={kind !== null} onOpenChange={(open: boolean) => (open ? undefined : onCancel())}>
      <Dialog.Content>
        <Dialog.Header>{t(kind === 'all' ? 'sessions.confirm.titleAll' : 'sessions.confirm.titleOne')}</Dialog.Header>
        <Dialog.Body>
          <Typography>{message}</Typography>
        </Dialog.Body>
        <Dialog.Footer>
          <Dialog.Cancel>
            <Button fullWidth variant="tertiary">
              {t('sessions.confirm.cancel')}
            </Button>
          </Dialog.Cancel>
          <Dialog.Action>
            <Button fullWidth variant="danger-light" loading={busy} onClick={onConfirm}>
              {t('sessions.confirm.confirm')}
            </Button>
          </Dialog.Action>
        </Dialog.Footer>
      </Dialog.Content>
    </Dialog.Root>
  );
};
