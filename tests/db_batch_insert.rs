//! Multi-row writes of concurrent callers (`db::InsertBatcher`, PostgreSQL's request path and
//! the reset worker's audit writes; on SQLite the group commit): every caller returns only once
//! its row is committed, and a row that cannot be written fails its own caller only.

mod support;
use latchkey::db::{DatabaseUrl, Db, InsertBatcher};
use latchkey::domain::JobId;
use latchkey::jobs::queue::{self, QueuedJob};

/// A migrated database of its own (SQLite, or PostgreSQL when `LATCHKEY_TEST_PG` is set), with
/// what must outlive it.
fn fresh_db() -> (tempfile::TempDir, support::TestDb, Db) {
    let dir = tempfile::tempdir().unwrap();
    let test_db = support::TestDb::create(dir.path());
    let url: DatabaseUrl = test_db.url.parse().unwrap();
    let db = Db::connect_lazy(&url, 4).unwrap();
    db.migrate().unwrap();
    (dir, test_db, db)
}

/// A current-thread runtime: every caller below has queued its row before the writer runs, so
/// the rows form one batch, which the duplicate id makes fail as a whole.
#[tokio::test(flavor = "current_thread")]
async fn a_batch_with_a_bad_row_writes_every_other_row_and_fails_only_that_caller() {
    let (_dir, _test_db, db) = fresh_db();
    let batcher = InsertBatcher::new(&db, queue::insert_many);
    let now = chrono::Utc::now().naive_utc();
    let twice = JobId::generate();
    let callers: Vec<_> = (0..100)
        .map(|i| {
            let id = if i == 10 || i == 60 {
                twice.clone()
            } else {
                JobId::generate()
            };
            let batcher = batcher.clone();
            tokio::spawn(async move {
                let row = QueuedJob::new(&id, "batch_test", format!("{{\"n\":{i}}}"), now, 3);
                batcher.insert(row).await
            })
        })
        .collect();
    let mut written = 0;
    let mut refused = 0;
    for caller in callers {
        match caller.await.unwrap() {
            Ok(()) => written += 1,
            Err(_) => refused += 1,
        }
    }
    assert_eq!(
        (written, refused),
        (99, 1),
        "only the second row with the same id fails"
    );
    let stored = db.run(queue::open_count).await.unwrap();
    assert_eq!(
        stored, 99,
        "every acknowledged row is in the table, and no other"
    );
}

/// Callers that arrive one after another (a batch of one each) are written too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_of_callers_one_after_another_are_each_written() {
    let (_dir, _test_db, db) = fresh_db();
    let batcher = InsertBatcher::new(&db, queue::insert_many);
    let now = chrono::Utc::now().naive_utc();
    for i in 0..5 {
        let row = QueuedJob::new(&JobId::generate(), "batch_test", format!("{i}"), now, 3);
        batcher.insert(row).await.unwrap();
        assert_eq!(db.run(queue::open_count).await.unwrap(), i + 1);
    }
}

static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn database_away(
    _: &mut latchkey::db::AnyConnection,
    _: &[QueuedJob],
) -> Result<(), latchkey::db::DbError> {
    CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    Err(latchkey::db::DbError::Unavailable(anyhow::anyhow!(
        "the test's database is away"
    )))
}

/// With the database away every caller of the batch is told so (a 503 at the edge), and the
/// batch is not written again row by row: each row would wait for a connection in turn.
#[tokio::test(flavor = "current_thread")]
async fn a_batch_that_finds_the_database_away_fails_every_caller_at_once() {
    let (_dir, test_db, db) = fresh_db();
    let batcher = InsertBatcher::new(&db, database_away);
    let now = chrono::Utc::now().naive_utc();
    let callers: Vec<_> = (0..20)
        .map(|i| {
            let batcher = batcher.clone();
            tokio::spawn(async move {
                let row = QueuedJob::new(&JobId::generate(), "batch_test", format!("{i}"), now, 3);
                batcher.insert(row).await
            })
        })
        .collect();
    for caller in callers {
        let result = caller.await.unwrap();
        assert!(
            matches!(result, Err(latchkey::db::DbError::Unavailable(_))),
            "{result:?}"
        );
    }
    if test_db.is_postgres() {
        // SQLite's rows go through the group commit, which has its own fallback.
        assert_eq!(
            CALLS.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "one batch, one try"
        );
    }
}
