import bootstrap from './bootstrap';
import { defaultConfig } from './config';
import { validateConfig } from './config/schema';
import contentTypes from './content-types';
import controllers from './controllers';
import destroy from './destroy';
import policies from './policies';
import register from './register';
import routes from './routes';
import services from './services';
import login from './http/login';

export default {
  register,
  bootstrap,
  destroy,
  config: { default: defaultConfig, validator: validateConfig },
  contentTypes,
  controllers,
  policies,
  routes,
  services: { ...services, login },
};
