/**
 * The rotation decision: what a refresh does, given what is stored for the session and how the
 * presented secret relates to it. Pure, so every branch is unit-tested without a database
 * (tests/unit/rotation.test.ts); the session service only gathers the facts and carries it out.
 */
import type { RefusalReason, RevokeReason } from './types';

/** How a presented secret relates to the session: the live token, the one before it, an older one, or none it issued. */
export type Lineage = 'current' | 'previous' | 'earlier' | 'unknown';

/** What the session row says, reduced to the facts the decision needs. */
export interface SessionFacts {
  revoked: boolean;
  /** The login began before the user's last password change. */
  predatesPasswordChange: boolean;
  /** Past its idle or its absolute expiry. */
  expired: boolean;
  userDeleted: boolean;
  userBlocked: boolean;
  /** Unconfirmed while users-permissions requires e-mail confirmation. */
  awaitingConfirmation: boolean;
  /** Bound (at its creation) to a DPoP key that did not sign this request. */
  wrongSender: boolean;
}

export type RotationOutcome =
  /** Refused; `revoke` ends the session for good (it may already be). */
  | { action: 'refuse'; reason: RefusalReason; revoke?: RevokeReason }
  /** The live token: compare-and-swap it for its successor. */
  | { action: 'rotate' }
  /** The previous token within the grace period (a race, not theft): the same successor again. */
  | { action: 'reissue' }
  /** A token the session issued and moved past: its lineage is compromised. */
  | { action: 'revoke-for-reuse' }
  /** A secret the session never issued: names no session, changes nothing. */
  | { action: 'ignore' };

/** Why the session may not be refreshed now, whatever is presented; null when it may. */
export function refusalOf(facts: SessionFacts): Extract<RotationOutcome, { action: 'refuse' }> | null {
  if (facts.predatesPasswordChange) return { action: 'refuse', reason: 'revoked', revoke: 'password-change' };
  if (facts.revoked) return { action: 'refuse', reason: 'revoked' };
  if (facts.expired) return { action: 'refuse', reason: 'expired' };
  if (facts.userDeleted) return { action: 'refuse', reason: 'user', revoke: 'user-deleted' };
  if (facts.userBlocked || facts.awaitingConfirmation) return { action: 'refuse', reason: 'user' };
  // Before any lineage is judged: a session is bound only when it is created, so every token it
  // issued was bound; one presented without its key neither rotates nor revokes (a thief replaying
  // an old token cannot end the owner's session either).
  if (facts.wrongSender) return { action: 'refuse', reason: 'unbound' };
  return null;
}

/**
 * What a presented secret of a live session leads to. `proofRequired`: an unbound session under
 * `senderConstraint: 'required'`, which issues nothing more (a later proof binds nothing, so only
 * a new login can bind) but whose old tokens are still reuse.
 */
export function outcomeOf(lineage: Lineage, inGrace: boolean, proofRequired = false): RotationOutcome {
  const issue = (action: 'rotate' | 'reissue'): RotationOutcome => (proofRequired ? { action: 'refuse', reason: 'unbound' } : { action });
  switch (lineage) {
    case 'current':
      return issue('rotate');
    case 'unknown':
      return { action: 'ignore' };
    case 'previous':
      return inGrace ? issue('reissue') : { action: 'revoke-for-reuse' };
    case 'earlier':
      return { action: 'revoke-for-reuse' };
  }
}
