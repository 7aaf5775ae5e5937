import { createRouter, createWebHistory } from 'vue-router';
import { auth, ready } from './auth.js';
import Dashboard from './pages/Dashboard.vue';
import Login from './pages/Login.vue';

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', redirect: '/dashboard' },
    { path: '/login', component: Login },
    { path: '/dashboard', component: Dashboard, meta: { requiresAuth: true } },
  ],
});

// The guard waits for the first restore (the refresh cookie, or another tab's token) once.
router.beforeEach(async (to) => {
  await ready;
  if (to.meta.requiresAuth && !auth.isSignedIn) return { path: '/login', query: { next: to.fullPath } };
  if (to.path === '/login' && auth.isSignedIn) return '/dashboard';
});
