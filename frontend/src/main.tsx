import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createTheme, MantineProvider, type CSSVariablesResolver } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { RouterProvider } from '@tanstack/react-router';
import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import { AppProvider } from './app';
import { router } from './router';

// Darker shades than Mantine's defaults, so that text, buttons and links meet WCAG AA contrast
// (4.5:1) on white, as the axe-core check of the end-to-end suite requires.
const theme = createTheme({ primaryShade: 8 });
const contrast: CSSVariablesResolver = (t) => ({
  variables: {},
  light: { '--mantine-color-dimmed': t.colors.gray[7] ?? '#495057' },
  dark: {},
});

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <MantineProvider theme={theme} cssVariablesResolver={contrast}>
        <Notifications position="top-right" />
        <AppProvider>
          <RouterProvider router={router} />
        </AppProvider>
      </MantineProvider>
    </StrictMode>,
  );
}
