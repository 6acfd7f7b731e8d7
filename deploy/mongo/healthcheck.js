// The mongo container's healthcheck (mongosh --nodb --quiet healthcheck.js): healthy only once the
// replica set has a primary, so the app never starts against a member that cannot take writes.
// It initiates the one-member replica set on the first start. The root password is read from its
// secret here, so it never appears on a command line.
const fs = require("fs");
const password = fs.readFileSync("/run/secrets/mongo_root_password", "utf8").trim();
db = connect(`mongodb://root:${encodeURIComponent(password)}@127.0.0.1:27017/admin?directConnection=true`);
try {
  rs.status();
} catch (error) {
  if (error.codeName !== "NotYetInitialized") throw error;
  rs.initiate({ _id: "rs0", members: [{ _id: 0, host: "mongo:27017" }] });
}
quit(db.hello().isWritablePrimary ? 0 : 1);
