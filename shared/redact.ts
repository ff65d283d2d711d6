/**
 * Secrets out of text a person is about to paste somewhere (an issue, a chat): "Copy diagnostics"
 * carries the doctor report and a job's log, and a lab's log holds k3s join tokens and kubeconfigs.
 */

const REDACTED = '[redacted]';

/**
 * k3s tokens: `K10<sha256 of the server CA>::<user>:<password>` (the "secure" format, k3s
 * pkg/clientaccess/token.go `ParseAndValidateToken`), whose user is `server` for the node token.
 * The CA hash is public; the password is the secret, so it goes and the shape stays recognisable.
 */
const k3sToken = /\bK10([0-9a-f]{64})::([^:\s"']+):[^\s"']+/g;

/** A PEM block (a key, a certificate): header and footer stay, the base64 between goes. */
const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * kubeconfig and k3s config fields whose value is a secret (client-go's clientcmd/api/v1 types:
 * client-key-data, token, password; k3s config.yaml: token, agent-token), and the K3S_TOKEN
 * variable the install script reads. A `client-certificate-data` is public but as long and
 * unreadable: it goes too, so a pasted kubeconfig is short.
 */
const secretField =
  /^([ \t]*-?[ \t]*["']?(?:client-key-data|client-certificate-data|token|agent-token|password|id-token|refresh-token)["']?[ \t]*:[ \t]*)\S.*$/gim;
const secretVariable = /\b(K3S_(?:AGENT_)?TOKEN|K3S_CLUSTER_SECRET)=("[^"]*"|'[^']*'|\S+)/g;
const tokenFlag = /(--(?:agent-)?token(?:=|\s+))("[^"]*"|'[^']*'|\S+)/g;

export function redactSecrets(text: string): string {
  return text
    .replace(pemBlock, (_block, label: string) => `-----BEGIN ${label}-----\n${REDACTED}\n-----END ${label}-----`)
    .replace(k3sToken, (_token, hash: string, user: string) => `K10${hash.slice(0, 8)}…::${user}:${REDACTED}`)
    .replace(secretField, (_line, key: string) => `${key}${REDACTED}`)
    .replace(secretVariable, (_all, name: string) => `${name}=${REDACTED}`)
    .replace(tokenFlag, (_all, flag: string) => `${flag}${REDACTED}`);
}
