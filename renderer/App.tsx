/** The wizard frame: a step bar, the current step, Back and Next. */
import { Suspense, useCallback, useEffect, useRef, useState, type MouseEvent } from 'react';
import { issuesUnder } from '../shared/lab/schema';
import { AnnouncerProvider, useAnnounce } from './components/Announcer';
import { ErrorBoundary } from './components/ErrorBoundary';
import { StepFocusContext } from './components/StepHeader';
import { HelpDialog } from './components/HelpDialog';
import { TelepresencePanel } from './components/TelepresencePanel';
import { jobTitle } from './jobWords';
import { NextPress } from './nextPress';
import { steps } from './steps';
import { useJobNotifications } from './useJobNotifications';
import { useJobProgress } from './useJobProgress';
import { useWizard, WizardProvider } from './wizard';

function Wizard() {
  const [index, setIndex] = useState(0);
  const [telepresenceOpen, setTelepresenceOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const { issues } = useWizard();
  const announce = useAnnounce();
  const job = useJobProgress();
  const focusHeading = useRef(false);
  const [nextPress] = useState(() => new NextPress());
  const step = steps[index]!;
  const blocking = issuesUnder(issues, step.fields);
  const Step = step.component;

  // The heading keeps its claim on the focus only until the user puts it somewhere else.
  useEffect(() => {
    const release = (event: FocusEvent) => {
      if (!(event.target instanceof HTMLElement && event.target.matches('[data-step-heading]'))) focusHeading.current = false;
    };
    document.addEventListener('focusin', release);
    return () => document.removeEventListener('focusin', release);
  }, []);

  useEffect(() => {
    document.title = [job ? jobTitle(job) : null, step.title, 'Cluster Lab'].filter(Boolean).join(' · ');
  }, [job, step.title]);

  useEffect(() => nextPress.landed(), [index, nextPress]);

  const go = (to: number) => {
    focusHeading.current = true;
    setIndex(to);
    announce(`Step ${to + 1} of ${steps.length}: ${steps[to]!.title}`);
    window.scrollTo({ top: 0 });
  };
  // A notification's click opens the lab: the Run step, whichever step was showing.
  const runIndex = steps.findIndex((s) => s.id === 'run');
  const goRef = useRef(go);
  goRef.current = go;
  const openLab = useCallback(() => goRef.current(runIndex), [runIndex]);
  useJobNotifications(openLab);
  const skipToStep = (event: MouseEvent) => {
    event.preventDefault();
    (document.querySelector<HTMLElement>('main [data-step-heading]') ?? document.querySelector<HTMLElement>('main'))?.focus();
  };

  return (
    <div className="app">
      <a className="skip-link" href="#main" onClick={skipToStep}>
        Skip to the {step.title} step
      </a>
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
          <button type="button" onClick={() => setHelpOpen(true)} aria-haspopup="dialog">
            Help
          </button>
        </div>
        <TelepresencePanel open={telepresenceOpen} onClose={() => setTelepresenceOpen(false)} />
        <HelpDialog open={helpOpen} onClose={() => setHelpOpen(false)} />
      </header>
      <main className="content" id="main" tabIndex={-1}>
        <StepFocusContext value={focusHeading}>
          <ErrorBoundary key={step.id} where={`The ${step.title} step`}>
            <Suspense
              fallback={
                <p className="muted" role="status">
                  Loading {step.title}…
                </p>
              }
            >
              <Step />
            </Suspense>
          </ErrorBoundary>
        </StepFocusContext>
      </main>
      <footer className="navbar">
        <button type="button" onClick={() => go(index - 1)} disabled={index === 0}>
          Back
        </button>
        <span className="muted" role="status">
          {blocking.length > 0 ? `${blocking.length} field${blocking.length === 1 ? ' needs' : 's need'} attention before you go on` : ''}
        </span>
        <button
          type="button"
          className="primary"
          onClick={(event) => nextPress.press(event.detail) && go(index + 1)}
          disabled={index === steps.length - 1 || blocking.length > 0}
        >
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
    <ErrorBoundary where="Cluster Lab">
      <AnnouncerProvider>
        <WizardProvider>
          <Wizard />
        </WizardProvider>
      </AnnouncerProvider>
    </ErrorBoundary>
  );
}
