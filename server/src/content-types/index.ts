import exchangedToken from './exchanged-token/schema';
import passwordChange from './password-change/schema';
import schema from './session/schema';

export default { session: { schema }, 'password-change': { schema: passwordChange }, 'exchanged-token': { schema: exchangedToken } };
