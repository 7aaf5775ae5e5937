import accessTokens from './access-tokens';
import activity from './activity';
import limiter from './limiter';
import sessions from './sessions';
import settings from './settings';

export default { accessTokens, activity, limiter, sessions, settings };
