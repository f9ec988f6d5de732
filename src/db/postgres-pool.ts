import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from "kysely";
import type pg from "pg";
import { RowBuilders } from "./rows.js";

/**
 * The pg pool as Kysely's dialect wants it, with rows read as arrays and turned into objects by
 * a function made once per column list (see rows.ts): a page of 50 invitations is a few
 * thousand values, and pg's own row objects are built key by key.
 */
export class ArrayRowPool implements PostgresPool {
  private readonly builders = new RowBuilders();

  constructor(private readonly pool: pg.Pool) {}

  async connect(): Promise<PostgresPoolClient> {
    return new ArrayRowClient(await this.pool.connect(), this.builders);
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

class ArrayRowClient implements PostgresPoolClient {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly builders: RowBuilders,
  ) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sqlOrCursor !== "string") return this.client.query(sqlOrCursor as never) as PostgresCursor<R>;
    return this.arrays<R>(sqlOrCursor, parameters ?? []);
  }

  private async arrays<R>(text: string, values: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    const result = await this.client.query<unknown[]>({ text, values: [...values], rowMode: "array" });
    const build = result.fields.length > 0 ? this.builders.for(result.fields.map((f) => f.name)) : undefined;
    return {
      command: result.command as PostgresQueryResult<R>["command"],
      rowCount: result.rowCount ?? 0,
      rows: (build ? result.rows.map((row) => build(row)) : []) as R[],
    };
  }

  release(): void {
    this.client.release();
  }
}
