// Entry point of the browser app (placeholder until the app lands).
import { render } from 'preact';

render(<p>runlog ui</p>, document.getElementById('app')!);
