import fresh from './fresh';

export default { fresh };
