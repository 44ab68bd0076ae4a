// Entry point of the browser app: styles, server info, then the shell.
import { render } from 'preact';
import './styles.css';
import { App } from './app.js';
import { loadServerInfo } from './server-info.js';

loadServerInfo();
render(<App />, document.getElementById('app')!);
