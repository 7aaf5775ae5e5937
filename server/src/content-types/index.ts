import passwordChange from './password-change/schema';
import schema from './session/schema';

export default { session: { schema }, 'password-change': { schema: passwordChange } };
