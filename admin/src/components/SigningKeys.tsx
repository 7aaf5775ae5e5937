/** Settings → Refresh tokens → Lifespans: which keys sign access tokens, and where verifiers find them. Never a private part. */
import { Badge, Box, Flex, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { getTrad } from '../utils/getTrad';

export interface SigningInfo {
  keys: Array<{ kid: string; alg: string; use: 'signing' | 'verify-only' }>;
  previousSecrets: number;
  jwksPath: string;
}

export const SigningKeys = ({ signing }: { signing: SigningInfo }) => {
  const { formatMessage } = useIntl();
  const t = (id: string, values?: Record<string, string | number>) => formatMessage({ id: getTrad(id), defaultMessage: id }, values);
  const backend = (window as { strapi?: { backendURL?: string } }).strapi?.backendURL;
  const jwksUrl = `${backend || window.location.origin}${signing.jwksPath}`;
  return (
    <Box
      background="neutral0"
      hasRadius
      shadow="filterShadow"
      marginTop={6}
      paddingTop={6}
      paddingBottom={6}
      paddingLeft={7}
      paddingRight={7}
    >
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Typography variant="delta" tag="h2">
          {t('signing.title')}
        </Typography>
        <Typography variant="pi" textColor="neutral600">
          {signing.keys.length === 0 ? t('signing.hs') : t('signing.jwks', { url: jwksUrl })}
          {signing.previousSecrets > 0 ? ` ${t('signing.previous', { count: signing.previousSecrets })}` : ''}
        </Typography>
        {signing.keys.length > 0 && (
          <Table colCount={3} rowCount={signing.keys.length + 1}>
            <Thead>
              <Tr>
                <Th>
                  <Typography variant="sigma">{t('signing.column.kid')}</Typography>
                </Th>
                <Th>
                  <Typography variant="sigma">{t('signing.column.alg')}</Typography>
                </Th>
                <Th>
                  <Typography variant="sigma">{t('signing.column.use')}</Typography>
                </Th>
              </Tr>
            </Thead>
            <Tbody>
              {signing.keys.map((key) => (
                <Tr key={key.kid} data-kid={key.kid}>
                  <Td>
                    <Typography fontWeight="bold">{key.kid}</Typography>
                  </Td>
                  <Td>
                    <Typography>{key.alg}</Typography>
                  </Td>
                  <Td>
                    <Badge
                      backgroundColor={key.use === 'signing' ? 'success100' : 'neutral150'}
                      textColor={key.use === 'signing' ? 'success700' : 'neutral700'}
                    >
                      {t(`signing.use.${key.use}`)}
                    </Badge>
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </Flex>
    </Box>
  );
};
