const path = require('path');

/** DB=sqlite (default) | postgres | mysql, as used by the test matrix. */
module.exports = ({ env }) => {
  const client = env('DB', 'sqlite');
  if (client === 'postgres') {
    return {
      connection: {
        client: 'postgres',
        connection: {
          host: env('DATABASE_HOST', '127.0.0.1'),
          port: env.int('DATABASE_PORT', 5432),
          database: env('DATABASE_NAME', 'test'),
          user: env('DATABASE_USERNAME', 'postgres'),
          password: env('DATABASE_PASSWORD', ''),
          schema: env('DATABASE_SCHEMA', 'public'),
        },
        pool: { min: 0, max: env.int('DATABASE_POOL_MAX', 10) },
      },
    };
  }
  if (client === 'mysql') {
    return {
      connection: {
        client: 'mysql',
        connection: {
          host: env('DATABASE_HOST', '127.0.0.1'),
          port: env.int('DATABASE_PORT', 3306),
          database: env('DATABASE_NAME', 'test'),
          user: env('DATABASE_USERNAME', 'root'),
          password: env('DATABASE_PASSWORD', ''),
        },
        pool: { min: 0, max: env.int('DATABASE_POOL_MAX', 10) },
      },
    };
  }
  return {
    connection: {
      client: 'sqlite',
      connection: { filename: path.resolve(__dirname, '..', env('DATABASE_FILENAME', '.tmp/data.db')) },
      useNullAsDefault: true,
      // SQLITE_JOURNAL_MODE=wal, SQLITE_SYNCHRONOUS=normal: what an app can tune (README, Performance).
      pool: {
        afterCreate(connection, done) {
          const journal = env('SQLITE_JOURNAL_MODE');
          const synchronous = env('SQLITE_SYNCHRONOUS');
          if (journal) connection.pragma(`journal_mode = ${journal}`);
          if (synchronous) connection.pragma(`synchronous = ${synchronous}`);
          done(null, connection);
        },
      },
    },
  };
};
