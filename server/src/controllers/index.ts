import admin from './admin';
import token from './token';

export default { token, admin };
