// Run once, by the mongo image on the first start with an empty volume (/docker-entrypoint-initdb.d),
// as the root user that MONGO_INITDB_ROOT_USERNAME / _PASSWORD_FILE create. Passwords come from
// Docker secrets; none is in the environment or in this file.
const fs = require("fs");
const secret = (name) => fs.readFileSync(`/run/secrets/${name}`, "utf8").trim();
const admin = db.getSiblingDB("admin");

// The app: reads and writes its own database only (rate-limit counters included).
admin.createUser({
  user: "survey",
  pwd: secret("mongo_app_password"),
  roles: [{ role: "readWrite", db: "digital_adoption" }],
});

// The backup service: mongodump --oplog and mongorestore --oplogReplay.
admin.createUser({
  user: "backup",
  pwd: secret("mongo_backup_password"),
  roles: ["backup", "restore"],
});
