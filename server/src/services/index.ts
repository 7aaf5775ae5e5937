import accessTokens from './access-tokens';
import limiter from './limiter';
import sessions from './sessions';
import settings from './settings';

export default { accessTokens, limiter, sessions, settings };
