import schema from './session/schema';

export default { session: { schema } };
