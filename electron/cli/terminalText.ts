/**
 * What the CLI prints passes through here, because much of it is not ours: a guest's provisioning
 * output, names from a VM's k3s.yaml, a lab folder's lock record. A terminal obeys control
 * sequences in any of it: OSC 52 writes the clipboard, OSC 0 retitles the window, cursor moves and
 * CR hide lines a person should read, and some terminals take the 8-bit C1 CSI (U+009B) for ESC [.
 * (xterm's ctlseqs lists them: https://invisible-island.net/xterm/ctlseqs/ctlseqs.html.)
 */

// eslint-disable-next-line no-control-regex
const sgr = /^\x1b\[[0-9;:]*m/;
// eslint-disable-next-line no-control-regex
const controls = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
// eslint-disable-next-line no-control-regex
const anyControl = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

const visible = (char: string) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;

/**
 * Human output: line breaks, tabs and colours (SGR, which only paint) stay; every other control
 * character is shown as `\xNN`, so the rest of its sequence prints as plain text.
 */
export function terminalText(text: string): string {
  if (!anyControl.test(text)) return text;
  return text.replace(controls, (char, offset: number) => (char === '\x1b' && sgr.test(text.slice(offset, offset + 64)) ? char : visible(char)));
}

/**
 * JSON output: JSON.stringify leaves DEL and the C1 characters raw; as `\u00NN` escapes they are
 * the same JSON value and nothing a terminal acts on.
 */
export function jsonText(text: string): string {
  return text.replace(/[\x7f-\x9f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
