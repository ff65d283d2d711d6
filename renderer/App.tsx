/** The wizard frame: a step bar, the current step, Back and Next. */
import { Suspense, useEffect, useState } from 'react';
import { issuesUnder } from '../shared/lab/schema';
import { TelepresencePanel } from './components/TelepresencePanel';
import { steps } from './steps';
import { useWizard, WizardProvider } from './wizard';

function Wizard() {
  const [index, setIndex] = useState(0);
  const [telepresenceOpen, setTelepresenceOpen] = useState(false);
  const { issues } = useWizard();
  const step = steps[index]!;
  const blocking = issuesUnder(issues, step.fields);
  const Step = step.component;
  const go = (to: number) => {
    setIndex(to);
    window.scrollTo({ top: 0 });
  };
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <img src="./icon.svg" alt="" width={28} height={28} />
          <h1>Cluster Lab</h1>
        </div>
        <nav aria-label="Wizard steps">
          <ol className="stepbar">
            {steps.map((s, i) => (
              <li key={s.id} className={i === index ? 'current' : i < index ? 'done' : ''}>
                <button
                  type="button"
                  onClick={() => go(i)}
                  aria-current={i === index ? 'step' : undefined}
                  disabled={
                    i > index &&
                    !s.standalone &&
                    issuesUnder(
                      issues,
                      steps.slice(index, i).flatMap((p) => p.fields),
                    ).length > 0
                  }
                >
                  <span className="num">{i + 1}</span>
                  {s.title}
                </button>
              </li>
            ))}
          </ol>
        </nav>
        <div className="topbar-actions">
          <button type="button" onClick={() => setTelepresenceOpen(true)} aria-haspopup="dialog">
            Telepresence
          </button>
        </div>
        <TelepresencePanel open={telepresenceOpen} onClose={() => setTelepresenceOpen(false)} />
      </header>
      <main className="content">
        <Suspense
          fallback={
            <p className="muted" role="status">
              Loading {step.title}…
            </p>
          }
        >
          <Step />
        </Suspense>
      </main>
      <footer className="navbar">
        <button type="button" onClick={() => go(index - 1)} disabled={index === 0}>
          Back
        </button>
        <span className="muted" role="status">
          {blocking.length > 0 ? `${blocking.length} field${blocking.length === 1 ? ' needs' : 's need'} attention before you go on` : ''}
        </span>
        <button type="button" className="primary" onClick={() => go(index + 1)} disabled={index === steps.length - 1 || blocking.length > 0}>
          Next
        </button>
      </footer>
    </div>
  );
}

export function App() {
  // The moment the first screen can take input: what `npm run bench` reports as start-up time.
  useEffect(() => void performance.mark('wizard-interactive'), []);
  return (
    <WizardProvider>
      <Wizard />
    </WizardProvider>
  );
}
