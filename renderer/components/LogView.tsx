/**
 * The job log as a terminal (xterm.js): one colour per node, follow or stay put, search, copy,
 * save. It keeps a bounded scrollback and writes at most that many lines per frame, dropping
 * what the scrollback would drop anyway before xterm ever parses it: xterm is the cost here,
 * not the pipe. Every line is counted, shown or not; the log file has them all.
 */
import { SearchAddon } from '@xterm/addon-search';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useImperativeHandle, useRef, useState, type Ref } from 'react';
import { LOG_FLOOD_BATCH_LINES, VIEW_SCROLLBACK_LINES, type LogLine } from '../../shared/jobs';
import './LogView.css';
import { ViewQueue } from './logQueue';

export interface LogViewHandle {
  /** Empty the view for another job. */
  reset(): void;
  /** Lines of the current job (a gap in `seq` is lines not sent); `total` is the job's line count so far. */
  append(lines: LogLine[], total: number): void;
}

/** 256-colour codes that read well on the dark background, one per node in lab order. */
const palette = [75, 114, 215, 177, 80, 221, 141, 209, 116, 186];
const stderrColour = 203;
/** A cell of the 12 px font, until xterm has drawn its screen to measure. */
const CHAR_WIDTH_PX = 7.25;
const ROW_HEIGHT_PX = 15;
/** xterm's own vertical scrollbar (verticalScrollbarSize in @xterm/xterm 6). */
const SCROLLBAR_PX = 10;
const MIN_ROWS = 6;
const WRITE_CHUNK_LINES = LOG_FLOOD_BATCH_LINES;
const FLOOD_QUEUE_LINES = 1000;
const FLOOD_QUIET_MS = 250;

function nodeColour(node: string | null, nodes: readonly string[]): number | null {
  if (node === null) return null;
  const index = nodes.indexOf(node);
  return palette[(index === -1 ? nodes.length : index) % palette.length]!;
}

/** The RGB of an xterm 256-colour cube entry, for the legend. */
function xtermHex(code: number): string {
  const levels = [0, 95, 135, 175, 215, 255];
  const i = code - 16;
  return `rgb(${levels[Math.floor(i / 36)]}, ${levels[Math.floor(i / 6) % 6]}, ${levels[i % 6]})`;
}

function render(line: LogLine, nodes: readonly string[]): string {
  if (line.stream === 'app') return `\x1b[1;36m» ${line.text}\x1b[0m`;
  const colour = line.stream === 'stderr' ? stderrColour : nodeColour(line.node, nodes);
  const bar = colour === null ? '  ' : `\x1b[38;5;${colour}m▍\x1b[0m `;
  // A line with colours of its own keeps them; a plain one takes its node's colour.
  if (line.text.includes('\x1b')) return `${bar}${line.text}\x1b[0m`;
  return colour === null ? `${bar}${line.text}` : `${bar}\x1b[38;5;${colour}m${line.text}\x1b[0m`;
}

function gapLine(count: number): string {
  return `\x1b[2m… ${count.toLocaleString()} lines not shown here: the view keeps the last ${VIEW_SCROLLBACK_LINES.toLocaleString()}, the log file has them all\x1b[0m`;
}

function bufferText(term: Terminal): string {
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
  while (lines.length && lines.at(-1) === '') lines.pop();
  return `${lines.join('\n')}\n`;
}

export function LogView({
  ref,
  nodes,
  logFile,
  jobId,
  refill,
  label = 'Job log',
}: {
  ref: Ref<LogViewHandle>;
  /** The region's name: a past job's log beside the live one is another region. */
  label?: string;
  nodes: readonly string[];
  logFile: string | null;
  jobId: string | null;
  /** The newest lines of the job again (its tail from main), to fill the scrollback back in after a flood. */
  refill?: () => Promise<LogLine[] | null>;
}) {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const search = useRef<SearchAddon | null>(null);
  const nodesRef = useRef(nodes);
  nodesRef.current = nodes;
  const [follow, setFollow] = useState(true);
  const followRef = useRef(true);
  followRef.current = follow;
  const [count, setCount] = useState(0);
  const [query, setQuery] = useState('');
  const [notice, setNotice] = useState('');

  // What waits to go into xterm: at most the lines the scrollback would keep, with markers where lines were left out.
  const queue = useRef(new ViewQueue(VIEW_SCROLLBACK_LINES));
  /** Bumped by reset, so a write still in flight for the previous job does not report on this one. */
  const generation = useRef(0);
  const writing = useRef(false);
  const frame = useRef<number | null>(null);

  useEffect(() => {
    const terminal = new Terminal({
      scrollback: VIEW_SCROLLBACK_LINES,
      disableStdin: true,
      convertEol: false,
      cursorBlink: false,
      cursorStyle: 'bar',
      cursorInactiveStyle: 'none',
      fontSize: 12,
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', Menlo, monospace",
      cols: 120,
      rows: 22,
      theme: { background: '#10151d', foreground: '#d6dde8', selectionBackground: '#3b4b66' },
    });
    const addon = new SearchAddon();
    terminal.loadAddon(addon);
    // The log takes no input: Tab moves on to the rest of the page instead of into the terminal.
    terminal.attachCustomKeyEventHandler((event) => event.key !== 'Tab');
    terminal.open(host.current!);
    term.current = terminal;
    search.current = addon;
    // The terminal takes the box the layout gives it: as many columns and rows as fit.
    const resize = new ResizeObserver(([entry]) => {
      if (!entry) return;
      // The screen is exactly cols × rows cells: its size says what a cell measures in the font that loaded.
      const screen = host.current?.querySelector<HTMLElement>('.xterm-screen');
      const cellWidth = (screen && screen.offsetWidth / terminal.cols) || CHAR_WIDTH_PX;
      const rowHeight = (screen && screen.offsetHeight / terminal.rows) || ROW_HEIGHT_PX;
      const cols = Math.max(40, Math.floor((entry.contentRect.width - SCROLLBAR_PX - 2) / cellWidth));
      const rows = Math.max(MIN_ROWS, Math.floor(entry.contentRect.height / rowHeight));
      if (cols !== terminal.cols || rows !== terminal.rows) terminal.resize(cols, rows);
    });
    resize.observe(host.current!);
    return () => {
      resize.disconnect();
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      terminal.dispose();
      term.current = null;
    };
  }, []);

  // One small piece at a time, the next when xterm has parsed the last: the page stays responsive,
  // and whatever a newer batch pushes out of the queue meanwhile is never parsed at all.
  const pump = () => {
    frame.current = null;
    const terminal = term.current;
    if (!terminal || writing.current || queue.current.length === 0) return;
    // In a flood (more queued than a few pieces, and still arriving) only the newest piece is worth
    // parsing: the rest would be pushed out of the scrollback by what follows before anyone reads it.
    if (queue.current.length > FLOOD_QUEUE_LINES && Date.now() - queue.current.addedAt < FLOOD_QUIET_MS) {
      queue.current.keepNewest(WRITE_CHUNK_LINES);
      afterFlood();
    }
    const items = queue.current.take(WRITE_CHUNK_LINES);
    let through = -1;
    const text = items.map((item) => {
      if ('gap' in item) return gapLine(item.gap);
      through = item.line.seq;
      return render(item.line, nodesRef.current);
    });
    writing.current = true;
    const written = generation.current;
    terminal.write(`${text.join('\r\n')}\r\n`, () => {
      writing.current = false;
      // For benchmarks and tests: the last line that is in the terminal, not just received.
      if (through >= 0 && written === generation.current) host.current?.setAttribute('data-written-seq', String(through));
      if (followRef.current) terminal.scrollToBottom();
      pump();
    });
  };
  // Once the flood is over, the scrollback is filled again from main's tail: one write of what a
  // 5,000-line scrollback would hold, instead of parsing everything while it poured.
  const floodTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refillRef = useRef(refill);
  refillRef.current = refill;
  const afterFlood = () => {
    if (floodTimer.current !== null) clearTimeout(floodTimer.current);
    floodTimer.current = setTimeout(() => {
      floodTimer.current = null;
      if (Date.now() - queue.current.addedAt < FLOOD_QUIET_MS) return afterFlood();
      // Someone reading (not following) keeps their place; the markers say what is not shown.
      if (!followRef.current) return;
      const asked = generation.current;
      void refillRef.current?.().then((tail) => {
        if (!tail?.length || asked !== generation.current) return;
        generation.current++;
        queue.current.clear();
        queue.current.add(tail);
        queue.current.addedAt = 0; // the tail is not news: it is written in full
        term.current?.reset();
        schedule();
      });
    }, FLOOD_QUIET_MS * 2);
  };

  const schedule = () => {
    if (frame.current === null) frame.current = requestAnimationFrame(pump);
  };

  useImperativeHandle(ref, () => ({
    reset() {
      generation.current++;
      if (floodTimer.current !== null) clearTimeout(floodTimer.current);
      floodTimer.current = null;
      queue.current.clear();
      host.current?.setAttribute('data-written-seq', '-1');
      term.current?.reset();
      setCount(0);
    },
    append(lines, total) {
      // Lines main left out (more than a batch carries) come back with the tail once it is quiet.
      if (queue.current.add(lines) > 0) afterFlood();
      setCount((c) => Math.max(c, total));
      schedule();
    },
  }));

  const find = (forward: boolean) => {
    if (!query || !search.current) return;
    const found = forward ? search.current.findNext(query) : search.current.findPrevious(query);
    setNotice(found ? '' : `"${query}" is not in the lines shown.`);
    if (found) setFollow(false);
  };

  const copy = async () => {
    const terminal = term.current;
    if (!terminal) return;
    const text = terminal.hasSelection() ? terminal.getSelection() : bufferText(terminal);
    try {
      await navigator.clipboard.writeText(text);
      setNotice(terminal.hasSelection() ? 'Copied the selection.' : 'Copied the lines shown.');
    } catch {
      setNotice('The clipboard is not available here: select the text and press Ctrl+C, or use Save.');
    }
  };

  const save = () => {
    const terminal = term.current;
    if (!terminal) return;
    const url = URL.createObjectURL(new Blob([bufferText(terminal)], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `${jobId ?? 'cluster-lab'}-view.log`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <div className="logview card" role="region" aria-label={label}>
      <div className="logview-bar">
        <span className="logview-count" data-line-count={count} aria-live="off">
          {count.toLocaleString()} lines
        </span>
        <ul className="logview-legend" aria-label="Node colours">
          {nodes.map((node) => (
            <li key={node} className="logview-node" style={{ color: xtermHex(nodeColour(node, nodes)!) }}>
              <span aria-hidden="true">▍</span>
              {node}
            </li>
          ))}
        </ul>
        <span className="logview-tools">
          <button type="button" aria-pressed={follow} onClick={() => setFollow((f) => !f)} title="Follow new lines or stay where you are">
            {follow ? 'Pause' : 'Follow'}
          </button>
          <input
            type="search"
            aria-label="Search the log"
            placeholder="Search"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') find(!event.shiftKey);
            }}
          />
          <button type="button" onClick={() => find(false)} aria-label="Previous match">
            ↑
          </button>
          <button type="button" onClick={() => find(true)} aria-label="Next match">
            ↓
          </button>
          <button type="button" onClick={() => void copy()}>
            Copy
          </button>
          <button type="button" onClick={save}>
            Save
          </button>
        </span>
      </div>
      <div className="logview-term" ref={host} />
      <div className="logview-foot muted small">
        {notice && <span role="status">{notice} </span>}
        {logFile && (
          <span title={logFile}>
            Full log: <span className="mono">{logFile}</span>
          </span>
        )}
      </div>
    </div>
  );
}
