/** The explorer's entry: the router and the shell. Routes match the bridge's deep links (api/types.ts). */
import { render } from 'preact';
import { Route, Switch } from 'wouter-preact';
import { KeyDialog } from './components/KeyDialog.tsx';
import { Empty } from './components/Status.tsx';
import { TopBar } from './components/TopBar.tsx';
import { ListPage } from './pages/ListPage.tsx';
import { RunPage } from './pages/RunPage.tsx';
import { SessionPage } from './pages/SessionPage.tsx';
import { TracePage } from './pages/TracePage.tsx';
import './styles/base.css';
import './styles/list.css';
import './styles/trace.css';
import './styles/content.css';
import './styles/narrow.css';

function App() {
  return (
    <>
      <TopBar />
      <main>
        <Switch>
          <Route path="/">
            <ListPage />
          </Route>
          <Route path="/traces/:id">{(p) => <TracePage key={p.id} traceId={p.id} />}</Route>
          <Route path="/runs/:id">{(p) => <RunPage key={p.id} runId={p.id} />}</Route>
          <Route path="/sessions/:id">{(p) => <SessionPage key={p.id} sessionId={p.id} />}</Route>
          <Route>
            <Empty>
              <p>
                <strong>No page here.</strong> <a href="/">Back to the traces</a>
              </p>
            </Empty>
          </Route>
        </Switch>
      </main>
      <KeyDialog />
    </>
  );
}

render(<App />, document.getElementById('app')!);
