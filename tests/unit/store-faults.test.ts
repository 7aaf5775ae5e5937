import { describe, expect, it } from 'vitest';
import { isStoreUnavailable } from '../../server/src/http/store-faults';

/** A Strapi whose `select 1` answers, in turn, what `answers` says: an error to reject with, or null. */
function strapiAnswering(...answers: Array<Error | null>) {
  const asked: string[] = [];
  const strapi = {
    db: {
      connection: {
        raw(sql: string) {
          asked.push(sql);
          const answer = answers.shift();
          return answer ? Promise.reject(answer) : Promise.resolve([]);
        },
      },
    },
  };
  return { strapi: strapi as never, asked };
}
const refused = () => Object.assign(new Error('database "test" is not currently accepting connections'), { code: '55000' });
const terminated = () => new Error('Connection terminated unexpectedly');

describe('store faults', () => {
  it('an outage code decides at once, without asking the database', async () => {
    const { strapi, asked } = strapiAnswering();
    expect(await isStoreUnavailable(strapi, refused())).toBe(true);
    expect(asked).toEqual([]);
  });

  it('a codeless connection loss is an outage only if the database says so', async () => {
    const down = strapiAnswering(refused());
    expect(await isStoreUnavailable(down.strapi, terminated())).toBe(true);
    const up = strapiAnswering(null);
    expect(await isStoreUnavailable(up.strapi, terminated())).toBe(false);
  });

  it('a probe that meets a pooled connection the server already closed asks again, on a fresh one', async () => {
    const down = strapiAnswering(terminated(), refused());
    expect(await isStoreUnavailable(down.strapi, terminated())).toBe(true);
    expect(down.asked).toHaveLength(2);
    const up = strapiAnswering(terminated(), null);
    expect(await isStoreUnavailable(up.strapi, terminated())).toBe(false);
  });

  it('request text that looks like a connection loss is not an outage', async () => {
    const { strapi, asked } = strapiAnswering(refused());
    const { errors } = await import('@strapi/utils');
    expect(await isStoreUnavailable(strapi, new errors.ValidationError('Connection terminated'))).toBe(false);
    expect(await isStoreUnavailable(strapi, new Error('connection refused, says the user'))).toBe(false);
    expect(asked).toEqual([]);
  });
});
