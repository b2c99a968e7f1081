import diagnostics from 'node:diagnostics_channel';

/**
 * Named diagnostics channels, as undici and Node's http publish theirs: APM agents and
 * OpenTelemetry code subscribe by name, without a reference to any policy (the register
 * entry's included). Channels are global by name, so every copy of this package publishes on
 * the same ones. Messages: `{ policy, violation }`, `{ policy, connection }`, `{ policy, finding }`.
 */
export const CHANNELS = Object.freeze({
  violation: diagnostics.channel('m365-tls-policy:violation'),
  connection: diagnostics.channel('m365-tls-policy:connection'),
  finding: diagnostics.channel('m365-tls-policy:finding'),
});
