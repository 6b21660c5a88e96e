/**
 * A real SMTP server on 127.0.0.1 (port 0), from the `smtp-server` package, that requires
 * authentication (PLAIN/LOGIN, over plain text as a test allows) and parses every message it
 * accepts with `mailparser`. Replies can be scripted per stage (MAIL FROM, RCPT TO, DATA) —
 * `451` to defer, `550` to refuse — as a mail server says them.
 */
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerEnvelope } from "smtp-server";

/** A message as received: the parsed mail and the SMTP envelope. */
export interface ReceivedMail {
  readonly mail: ParsedMail;
  readonly envelope: SMTPServerEnvelope;
  /** The user that authenticated. */
  readonly user: string | undefined;
}

/** A scripted reply: at which stage, which code, which text. */
export interface SmtpReply {
  readonly stage: "mail" | "rcpt" | "data";
  readonly code: number;
  readonly message: string;
}

/** A running SMTP receiver. */
export interface SmtpReceiver {
  readonly host: string;
  readonly port: number;
  /** Messages accepted, in order. */
  readonly messages: ReceivedMail[];
  /** Authentication attempts refused. */
  readonly refusedLogins: string[];
  /** Replies used, in order, the next times their stage is reached. */
  script(...replies: SmtpReply[]): void;
  close(): Promise<void>;
}

/** An error smtp-server answers with `code`. */
function reply(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** Starts an SMTP server that accepts `user`/`pass`. */
export async function startSmtpReceiver(credentials: { user: string; pass: string }): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  const refusedLogins: string[] = [];
  const scripted: SmtpReply[] = [];
  const take = (stage: SmtpReply["stage"]): SmtpReply | undefined => {
    const i = scripted.findIndex((r) => r.stage === stage);
    return i < 0 ? undefined : scripted.splice(i, 1)[0];
  };
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.pass) {
        callback(null, { user: auth.username });
      } else {
        refusedLogins.push(auth.username ?? "");
        callback(reply(535, "5.7.8 Authentication credentials invalid"));
      }
    },
    onMailFrom(_address, _session, callback) {
      const r = take("mail");
      callback(r ? reply(r.code, r.message) : null);
    },
    onRcptTo(_address, _session, callback) {
      const r = take("rcpt");
      callback(r ? reply(r.code, r.message) : null);
    },
    onData(stream, session, callback) {
      const r = take("data");
      if (r) {
        stream.on("end", () => callback(reply(r.code, r.message)));
        stream.resume();
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          messages.push({ mail, envelope: session.envelope, user: session.user as string | undefined });
          callback();
        })
        .catch((error: Error) => callback(reply(451, `4.3.0 ${error.message}`)));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    host: "127.0.0.1",
    port,
    messages,
    refusedLogins,
    script: (...replies) => {
      scripted.push(...replies);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
