import limiter from './limiter';
import sessions from './sessions';
import settings from './settings';

export default { limiter, sessions, settings };
