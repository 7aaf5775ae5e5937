import activityCount from './activity-count/schema';
import exchangedToken from './exchanged-token/schema';
import passwordChange from './password-change/schema';
import securityEvent from './security-event/schema';
import schema from './session/schema';

export default {
  session: { schema },
  'password-change': { schema: passwordChange },
  'exchanged-token': { schema: exchangedToken },
  'security-event': { schema: securityEvent },
  'activity-count': { schema: activityCount },
};
