/** The wizard frame: a step bar, the current step, Back and Next. */
import { Suspense, useCallback, useEffect, useRef, useState, type MouseEvent } from 'react';
import { issuesUnder } from '../shared/lab/schema';
import type { ScreenId } from '../shared/uiState';
import { AnnouncerProvider, useAnnounce } from './components/Announcer';
import { ConnectionLost } from './components/ConnectionLost';
import { ErrorBoundary } from './components/ErrorBoundary';
import { StepFocusContext } from './components/StepHeader';
import { HelpDialog } from './components/HelpDialog';
import { HomeScreen } from './components/HomeScreen';
import { TelepresencePanel } from './components/TelepresencePanel';
import { jobTitle } from './jobWords';
import { NextPress } from './nextPress';
import { StepGateContext, type StepGate } from './stepGate';
import { GoContext, pushScreen, screenFromUrl } from './route';
import { steps, type StepDef } from './steps';
import { useJobNotifications } from './useJobNotifications';
import { useJobProgress } from './useJobProgress';
import { useWizard, WizardProvider } from './wizard';

/** "Your labs": a screen with its own URL like the steps, outside their order. */
const home: StepDef = { id: 'home', title: 'Your labs', component: HomeScreen, fields: [] };

function Wizard() {
  const [telepresenceOpen, setTelepresenceOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const { issues, state, update } = useWizard();
  const index = steps.findIndex((s) => s.id === state.screen);
  const announce = useAnnounce();
  const job = useJobProgress();
  const focusHeading = useRef(false);
  const [nextPress] = useState(() => new NextPress());
  const stepGate = useRef<StepGate | null>(null);
  const step = steps[index] ?? home;
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

  useEffect(() => nextPress.landed(), [state.screen, nextPress]);
  // The step may hold Next back (Review writes first); then the press is over and the step stays.
  const next = async (from: number) => {
    const gate = stepGate.current;
    if (gate && !(await gate())) return nextPress.landed();
    go(steps[from + 1]!.id as ScreenId);
  };

  /** To another screen: a new history entry, unless Back or Forward brought it (`fromHistory`). */
  const go = (to: ScreenId, fromHistory = false) => {
    focusHeading.current = true;
    if (!fromHistory) pushScreen(to);
    update((s) => ({ ...s, screen: to }));
    const at = steps.findIndex((s) => s.id === to);
    announce(at >= 0 ? `Step ${at + 1} of ${steps.length}: ${steps[at]!.title}` : home.title);
    window.scrollTo({ top: 0 });
  };
  const goRef = useRef(go);
  goRef.current = go;
  const goStable = useCallback((to: ScreenId) => goRef.current(to), []);
  useEffect(() => {
    const back = () => {
      const to = screenFromUrl();
      if (to) goRef.current(to, true);
    };
    window.addEventListener('popstate', back);
    return () => window.removeEventListener('popstate', back);
  }, []);
  // A notification's click opens the lab: the Run step, whichever step was showing.
  const openLab = useCallback(() => goRef.current('run'), []);
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
                  onClick={() => go(s.id as ScreenId)}
                  aria-current={i === index ? 'step' : undefined}
                  disabled={
                    i > index &&
                    !s.standalone &&
                    issuesUnder(
                      issues,
                      steps.slice(Math.max(index, 0), i).flatMap((p) => p.fields),
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
          <button type="button" onClick={() => go('home')} aria-current={step === home ? 'page' : undefined}>
            Your labs
          </button>
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
      <ConnectionLost />
      <main className="content" id="main" tabIndex={-1}>
        <StepFocusContext value={focusHeading}>
          <GoContext value={goStable}>
            <StepGateContext value={stepGate}>
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
            </StepGateContext>
          </GoContext>
        </StepFocusContext>
      </main>
      {step !== home && (
        <footer className="navbar">
          <button type="button" onClick={() => go(steps[index - 1]!.id as ScreenId)} disabled={index === 0}>
            Back
          </button>
          <span className="muted" role="status">
            {blocking.length > 0 ? `${blocking.length} field${blocking.length === 1 ? ' needs' : 's need'} attention before you go on` : ''}
          </span>
          <button
            type="button"
            className="primary"
            onClick={(event) => nextPress.press(event.detail) && void next(index)}
            disabled={index === steps.length - 1 || blocking.length > 0}
          >
            Next
          </button>
        </footer>
      )}
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
