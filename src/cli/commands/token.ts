/**
 * `frameforge token`: a new random access token for `frameforge serve`, and
 * its `sha256:` line. stdout gets exactly the two lines (token first), so a
 * script can take either; the advice goes to stderr. Nothing is stored: the
 * operator gives the token to a client and puts the token or, better, the
 * sha256 line in SERVER_TOKENS / SERVER_TOKENS_FILE.
 */
import { generateToken, sha256Line } from '../../server/policies/tokens.js';
import { colors, writeJson, type CliIO } from '../io.js';

export function tokenCommand(options: { json?: boolean }, io: CliIO): number {
  const token = generateToken();
  const line = sha256Line(token);
  if (options.json) {
    writeJson(io, { token, sha256: line });
    return 0;
  }
  io.stdout.write(`${token}\n${line}\n`);
  io.stderr.write(
    colors(io).dim(
      'Give the first line to the client (Authorization: Bearer <token>). Put the second line in SERVER_TOKENS_FILE ' +
        '(or SERVER_TOKENS): the server then holds no copy of the token.\n',
    ),
  );
  return 0;
}
