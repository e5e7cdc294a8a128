// The two database engines suanli speaks. A module of its own so that migrations and repositories can name the engine
// without importing database.ts, which imports the migrations.
export type Engine = 'sqlite' | 'postgres';
