import sessions from './sessions';
import settings from './settings';

export default { sessions, settings };
