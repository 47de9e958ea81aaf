// Entry point, kept small: the styles, then the first screen's requests sent at once, so the server works on them
// while the browser loads and starts the app (start-app.tsx), which takes the answers over instead of asking again.
import 'uplot/dist/uPlot.min.css';
import './styles/tokens.css';
import './styles/base.css';
import './styles/components.css';
import './styles/content.css';
import './styles/table.css';
import { sendEarly } from './api/client';
import { firstScreenOf, sendFirstScreenRequests } from './first-screen';

sendEarly(() => sendFirstScreenRequests(firstScreenOf(window.location)));

import('./start-app').catch(() => {
  const root = document.getElementById('root');
  if (root) {
    root.innerHTML = '';
    const message = document.createElement('div');
    message.className = 'state';
    message.setAttribute('role', 'alert');
    message.textContent = 'VictorySync could not load. Check your connection and reload the page.';
    root.append(message);
  }
});
