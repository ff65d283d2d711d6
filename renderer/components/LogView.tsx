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
import { VIEW_SCROLLBACK_LINES, type LogLine } from '../../shared/jobs';
import './LogView.css';

export interface LogViewHandle {
  /** Empty the view for another job. */
  reset(): void;
  /** Lines of the current job (a gap in `seq` is lines not sent); `total` is the job's line count so far. */
  append(lines: LogLine[], total: number): void;
}

/** 256-colour codes that read well on the dark background, one per node in lab order. */
const palette = [75, 114, 215, 177, 80, 221, 141, 209, 116, 186];
const stderrColour = 203;
const CHAR_WIDTH_PX = 7.25;
const WRITE_CHUNK_LINES = 200;

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
}: {
  ref: Ref<LogViewHandle>;
  nodes: readonly string[];
  logFile: string | null;
  jobId: string | null;
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

  // What waits for the next frame: only the lines the scrollback would keep.
  const queue = useRef<string[]>([]);
  const queuedOmitted = useRef(0);
  const lastSeq = useRef(-1);
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
    terminal.open(host.current!);
    term.current = terminal;
    search.current = addon;
    const resize = new ResizeObserver(([entry]) => {
      const cols = Math.max(40, Math.floor(((entry?.contentRect.width ?? 900) - 12) / CHAR_WIDTH_PX));
      if (cols !== terminal.cols) terminal.resize(cols, terminal.rows);
    });
    resize.observe(host.current!);
    return () => {
      resize.disconnect();
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      terminal.dispose();
      term.current = null;
    };
  }, []);

  const pump = () => {
    frame.current = null;
    const terminal = term.current;
    if (!terminal || writing.current || (queue.current.length === 0 && queuedOmitted.current === 0)) return;
    const lines = queue.current;
    const through = lastSeq.current;
    if (queuedOmitted.current > 0)
      lines.unshift(
        `\x1b[2m… ${queuedOmitted.current.toLocaleString()} lines not shown here: the view keeps the last ${VIEW_SCROLLBACK_LINES.toLocaleString()}, the log file has them all\x1b[0m`,
      );
    queue.current = [];
    queuedOmitted.current = 0;
    writing.current = true;
    // xterm yields to the page only between writes, so one batch goes in as many small ones.
    for (let i = 0; i < lines.length; i += WRITE_CHUNK_LINES) {
      const last = i + WRITE_CHUNK_LINES >= lines.length;
      terminal.write(
        lines.slice(i, i + WRITE_CHUNK_LINES).join('\r\n') + '\r\n',
        last
          ? () => {
              writing.current = false;
              // For benchmarks and tests: the last line that is in the terminal, not just received.
              host.current?.setAttribute('data-written-seq', String(through));
              if (followRef.current) terminal.scrollToBottom();
              schedule();
            }
          : undefined,
      );
    }
  };
  const schedule = () => {
    if (frame.current === null) frame.current = requestAnimationFrame(pump);
  };

  useImperativeHandle(ref, () => ({
    reset() {
      queue.current = [];
      queuedOmitted.current = 0;
      lastSeq.current = -1;
      host.current?.setAttribute('data-written-seq', '-1');
      term.current?.reset();
      setCount(0);
    },
    append(lines, total) {
      // A reattached view gets the tail and then live batches that may overlap it.
      const fresh = lines.filter((line) => line.seq > lastSeq.current);
      if (fresh.length) {
        queuedOmitted.current += fresh[0]!.seq - lastSeq.current - 1;
        lastSeq.current = fresh.at(-1)!.seq;
      }
      for (const line of fresh) queue.current.push(render(line, nodesRef.current));
      if (queue.current.length > VIEW_SCROLLBACK_LINES) {
        queuedOmitted.current += queue.current.length - VIEW_SCROLLBACK_LINES;
        queue.current = queue.current.slice(-VIEW_SCROLLBACK_LINES);
      }
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
    <div className="logview card" role="region" aria-label="Job log">
      <div className="logview-bar">
        <span className="logview-count" data-line-count={count} aria-live="off">
          {count.toLocaleString()} lines
        </span>
        <span className="logview-legend" aria-label="Node colours">
          {nodes.map((node) => (
            <span key={node} className="logview-node" style={{ color: xtermHex(nodeColour(node, nodes)!) }}>
              ▍{node}
            </span>
          ))}
        </span>
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
          <span>
            Full log: <span className="mono">{logFile}</span>
          </span>
        )}
      </div>
    </div>
  );
}
