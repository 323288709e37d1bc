// The app's routes; every page but the shell is its own chunk, loaded when first visited.
import {
  createRootRoute,
  createRoute,
  createRouter,
  lazyRouteComponent,
  redirect,
} from '@tanstack/react-router';
import { Shell } from './components/Shell';
import { sessionStore } from './app';

const rootRoute = createRootRoute({ component: Shell });

const signedIn = () => {
  if (!sessionStore.get()) throw redirect({ to: '/signin' });
};

const overview = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  beforeLoad: signedIn,
  component: lazyRouteComponent(() => import('./routes/Overview')),
});

const alerts = createRoute({
  getParentRoute: () => rootRoute,
  path: '/alerts',
  beforeLoad: signedIn,
  component: lazyRouteComponent(() => import('./routes/Alerts')),
});

const asset = createRoute({
  getParentRoute: () => rootRoute,
  path: '/assets/$assetId',
  beforeLoad: signedIn,
  component: lazyRouteComponent(() => import('./routes/Asset')),
});

const stops = createRoute({
  getParentRoute: () => rootRoute,
  path: '/stops',
  beforeLoad: signedIn,
  component: lazyRouteComponent(() => import('./routes/Stops')),
});

const playground = createRoute({
  getParentRoute: () => rootRoute,
  path: '/playground',
  // `?query=` opens the playground with that operation in the editor (a link to share one).
  validateSearch: (search: Record<string, unknown>): { query?: string } =>
    typeof search.query === 'string' ? { query: search.query } : {},
  component: lazyRouteComponent(() => import('./routes/Playground')),
});

const signIn = createRoute({
  getParentRoute: () => rootRoute,
  path: '/signin',
  component: lazyRouteComponent(() => import('./routes/SignIn')),
});

const signUp = createRoute({
  getParentRoute: () => rootRoute,
  path: '/signup',
  component: lazyRouteComponent(() => import('./routes/SignUp')),
});

export const router = createRouter({
  routeTree: rootRoute.addChildren([overview, alerts, asset, stops, playground, signIn, signUp]),
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
