//! Per-user activity counters in MongoDB (`user_activity`, keyed by the user's UUID).
//! Counters are updated with `$inc` upserts so concurrent writers never lose an update.

use mongodb::{
    bson::{doc, Binary, Bson, Document},
    options::UpdateOptions,
    Collection, Database,
};
use uuid::Uuid;

use crate::{db::coll, Result};

#[derive(Clone)]
pub struct ActivityRepo {
    coll: Collection<Document>,
}

/// UUIDs are stored as BSON binary subtype 4, as MongoDB's drivers do by default.
pub fn uuid_bson(id: Uuid) -> Bson {
    Bson::Binary(Binary {
        subtype: mongodb::bson::spec::BinarySubtype::Uuid,
        bytes: id.as_bytes().to_vec(),
    })
}

impl ActivityRepo {
    pub fn new(db: &Database) -> Self {
        ActivityRepo {
            coll: db.collection(coll::USER_ACTIVITY),
        }
    }

    /// Counts one sign-in for the user.
    pub async fn record_sign_in(&self, user_id: Uuid) -> Result<()> {
        self.coll
            .update_one(
                doc! {"_id": uuid_bson(user_id)},
                doc! {
                    "$inc": {"sign_ins": 1_i64},
                    "$set": {"last_sign_in_at": mongodb::bson::DateTime::now()},
                },
            )
            .with_options(UpdateOptions::builder().upsert(true).build())
            .await?;
        Ok(())
    }

    pub async fn sign_ins(&self, user_id: Uuid) -> Result<i64> {
        let d = self.coll.find_one(doc! {"_id": uuid_bson(user_id)}).await?;
        Ok(d.and_then(|d| match d.get("sign_ins") {
            Some(Bson::Int64(n)) => Some(*n),
            Some(Bson::Int32(n)) => Some(i64::from(*n)),
            _ => None,
        })
        .unwrap_or(0))
    }

    /// Removes everything stored about a user (account purge).
    pub async fn purge_user(&self, user_id: Uuid) -> Result<()> {
        self.coll
            .delete_one(doc! {"_id": uuid_bson(user_id)})
            .await?;
        Ok(())
    }
}
