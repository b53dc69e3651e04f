CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('0011');
CREATE TABLE backfill_state (
	"key" VARCHAR(200) NOT NULL, 
	resumption_token VARCHAR(2000), 
	status VARCHAR(16) NOT NULL, 
	pages INTEGER NOT NULL, 
	records INTEGER NOT NULL, 
	complete_list_size INTEGER, 
	started_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE feed_items (
	profile VARCHAR(40) NOT NULL, 
	arxiv_id VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	run_id VARCHAR(32) NOT NULL, 
	rank INTEGER NOT NULL, 
	announced DATE, 
	data JSON NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	published_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	seen_at DATETIME NOT NULL, 
	PRIMARY KEY (profile, arxiv_id)
);
CREATE TABLE feed_state (
	url VARCHAR(2048) NOT NULL, 
	etag VARCHAR(1024), 
	last_modified VARCHAR(64), 
	built VARCHAR(64), 
	fingerprint VARCHAR(64), 
	announced DATE, 
	checked_at DATETIME NOT NULL, 
	changed_at DATETIME NOT NULL, 
	PRIMARY KEY (url)
);
CREATE TABLE "fetch_runs" (
	id VARCHAR(32) NOT NULL, 
	reason VARCHAR(32) DEFAULT 'manual' NOT NULL, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	status VARCHAR(16) NOT NULL, 
	stage VARCHAR(16) NOT NULL, 
	announced DATE, 
	config JSON NOT NULL, 
	feeds JSON NOT NULL, 
	items INTEGER NOT NULL, 
	new INTEGER NOT NULL, 
	changed INTEGER NOT NULL, 
	unchanged INTEGER NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE locks (
	name VARCHAR(32) NOT NULL, 
	touched_at DATETIME, 
	PRIMARY KEY (name)
);
INSERT INTO "locks" VALUES('fetch',NULL);
INSERT INTO "locks" VALUES('profiles',NULL);
CREATE TABLE outbox (
	id INTEGER NOT NULL, 
	message_id VARCHAR(32) NOT NULL, 
	routing_key VARCHAR(64) NOT NULL, 
	body TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	sent_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (message_id)
);
CREATE TABLE paper_embeddings (
	arxiv_id VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	model VARCHAR(64) NOT NULL, 
	vector BLOB NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (arxiv_id, version, model)
);
CREATE TABLE paper_search (
	arxiv_id VARCHAR(64) NOT NULL, 
	document TEXT NOT NULL, 
	PRIMARY KEY (arxiv_id), 
	FOREIGN KEY(arxiv_id) REFERENCES papers (arxiv_id) ON DELETE CASCADE
);
CREATE TABLE paper_versions (
	arxiv_id VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	title TEXT NOT NULL, 
	abstract TEXT NOT NULL, 
	authors JSON NOT NULL, 
	announce_type VARCHAR(32) NOT NULL, 
	announced DATE, 
	seen_at DATETIME NOT NULL, 
	PRIMARY KEY (arxiv_id, version)
);
CREATE TABLE papers (
	arxiv_id VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	title TEXT NOT NULL, 
	abstract TEXT NOT NULL, 
	authors JSON NOT NULL, 
	categories JSON NOT NULL, 
	primary_category VARCHAR(64) NOT NULL, 
	announce_type VARCHAR(32) NOT NULL, 
	announced DATE, 
	abs_url VARCHAR NOT NULL, 
	pdf_url VARCHAR NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	first_seen_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, title_text TEXT DEFAULT '' NOT NULL, abstract_text TEXT DEFAULT '' NOT NULL, comments TEXT, journal_ref TEXT, doi VARCHAR(255), 
	PRIMARY KEY (arxiv_id)
);
CREATE TABLE profile_versions (
	name VARCHAR(40) NOT NULL, 
	version INTEGER NOT NULL, 
	settings JSON NOT NULL, 
	origin VARCHAR(16) NOT NULL, 
	deleted BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (name, version)
);
CREATE TABLE profiles (
	name VARCHAR(40) NOT NULL, 
	version INTEGER NOT NULL, 
	settings JSON NOT NULL, 
	origin VARCHAR(16) NOT NULL, 
	deleted BOOLEAN NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (name)
);
CREATE TABLE publications (
	id INTEGER NOT NULL, 
	name VARCHAR(128) NOT NULL, 
	run_id VARCHAR(32) NOT NULL, 
	digest_key VARCHAR(64) NOT NULL, 
	content_type VARCHAR(64) NOT NULL, 
	content TEXT NOT NULL, 
	created_at DATETIME NOT NULL, profile VARCHAR(40) DEFAULT 'default' NOT NULL, announced DATE, 
	PRIMARY KEY (id), 
	FOREIGN KEY(run_id) REFERENCES fetch_runs (id)
);
CREATE TABLE run_items (
	run_id VARCHAR(32) NOT NULL, 
	position INTEGER NOT NULL, 
	arxiv_id VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	feed_category VARCHAR(64) NOT NULL, 
	announce_type VARCHAR(32) NOT NULL, 
	PRIMARY KEY (run_id, position), 
	FOREIGN KEY(arxiv_id) REFERENCES papers (arxiv_id), 
	FOREIGN KEY(run_id) REFERENCES fetch_runs (id)
);
CREATE TABLE run_profiles (
	run_id VARCHAR(32) NOT NULL, 
	profile VARCHAR(40) NOT NULL, 
	profile_version INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	stage VARCHAR(16) NOT NULL, 
	announced DATE, 
	candidates INTEGER NOT NULL, 
	selected INTEGER NOT NULL, 
	to_summarize JSON NOT NULL, 
	publish_deadline DATETIME, 
	digest_key VARCHAR(64), 
	changed BOOLEAN, 
	scored_at DATETIME, 
	published_at DATETIME, 
	PRIMARY KEY (run_id, profile), 
	FOREIGN KEY(run_id) REFERENCES fetch_runs (id)
);
CREATE TABLE "run_summaries" (
	run_id VARCHAR(32) NOT NULL, 
	arxiv_id VARCHAR(64) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	version INTEGER, 
	model VARCHAR(128), 
	prompt_hash VARCHAR(64), 
	language VARCHAR(32), 
	source VARCHAR(16), 
	reused BOOLEAN NOT NULL, 
	PRIMARY KEY (run_id, arxiv_id), 
	FOREIGN KEY(run_id) REFERENCES fetch_runs (id), 
	FOREIGN KEY(arxiv_id) REFERENCES papers (arxiv_id)
);
CREATE TABLE "scores" (
	run_id VARCHAR(32) NOT NULL, 
	profile VARCHAR(40) NOT NULL, 
	arxiv_id VARCHAR(64) NOT NULL, 
	score FLOAT NOT NULL, 
	rank INTEGER NOT NULL, 
	shown_category VARCHAR(64) NOT NULL, 
	near_miss BOOLEAN DEFAULT 0 NOT NULL, 
	hits JSON NOT NULL, 
	PRIMARY KEY (run_id, profile, arxiv_id), 
	FOREIGN KEY(arxiv_id) REFERENCES papers (arxiv_id), 
	FOREIGN KEY(run_id) REFERENCES fetch_runs (id)
);
CREATE TABLE "summaries" (
	arxiv_id VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	model VARCHAR(128) NOT NULL, 
	prompt_hash VARCHAR(64) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	text TEXT, 
	error TEXT, 
	attempts INTEGER NOT NULL, 
	prompt_tokens INTEGER NOT NULL, 
	completion_tokens INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	language VARCHAR(32) NOT NULL, 
	source VARCHAR(16) NOT NULL, 
	source_detail VARCHAR(200), 
	chars_sent INTEGER NOT NULL, 
	tokens_sent INTEGER NOT NULL, 
	cut BOOLEAN NOT NULL, 
	CONSTRAINT summaries_pkey PRIMARY KEY (arxiv_id, version, model, prompt_hash, language, source)
);
CREATE TABLE summary_claims (
	arxiv_id VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	model VARCHAR(128) NOT NULL, 
	prompt_hash VARCHAR(64) NOT NULL, 
	language VARCHAR(32) NOT NULL, 
	holder VARCHAR(64) NOT NULL, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY (arxiv_id, version, model, prompt_hash, language)
);
CREATE TABLE webhook_attempts (
	id INTEGER NOT NULL, 
	delivery_id VARCHAR(40) NOT NULL, 
	attempt INTEGER NOT NULL, 
	part INTEGER NOT NULL, 
	started_at DATETIME NOT NULL, 
	ok BOOLEAN NOT NULL, 
	status_code INTEGER, 
	latency_ms INTEGER NOT NULL, 
	error TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(delivery_id) REFERENCES webhook_deliveries (id)
);
CREATE TABLE webhook_deliveries (
	id VARCHAR(40) NOT NULL, 
	subscription_id VARCHAR(40) NOT NULL, 
	dedupe_key VARCHAR(96) NOT NULL, 
	event VARCHAR(32) NOT NULL, 
	run_id VARCHAR(32) NOT NULL, 
	profile VARCHAR(40) NOT NULL, 
	arxiv_id VARCHAR(64), 
	parts JSON NOT NULL, 
	parts_sent INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt_at DATETIME, 
	lease VARCHAR(32), 
	last_status_code INTEGER, 
	last_error TEXT, 
	created_at DATETIME NOT NULL, 
	delivered_at DATETIME, parts_pruned_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(run_id) REFERENCES fetch_runs (id), 
	FOREIGN KEY(subscription_id) REFERENCES webhook_subscriptions (id), 
	CONSTRAINT uq_webhook_deliveries_key UNIQUE (subscription_id, dedupe_key)
);
CREATE TABLE webhook_subscriptions (
	id VARCHAR(40) NOT NULL, 
	url TEXT NOT NULL, 
	profile VARCHAR(40) NOT NULL, 
	format VARCHAR(16) NOT NULL, 
	per VARCHAR(16) NOT NULL, 
	origin VARCHAR(16) NOT NULL, 
	secret VARCHAR(128), 
	secret_env VARCHAR(128), 
	feishu_secret VARCHAR(256), 
	active BOOLEAN NOT NULL, 
	deleted BOOLEAN NOT NULL, 
	consecutive_failures INTEGER NOT NULL, 
	paused_reason TEXT, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_feed_items_profile_seen ON feed_items (profile, seen_at);
CREATE INDEX ix_fetch_runs_stage ON fetch_runs (stage);
CREATE INDEX ix_fetch_runs_started_at ON fetch_runs (started_at);
CREATE INDEX ix_outbox_sent_at ON outbox (sent_at);
CREATE INDEX ix_paper_search_document ON paper_search (document);
CREATE INDEX ix_publications_profile_name ON publications (profile, name, announced, id);
CREATE INDEX ix_run_items_arxiv_id ON run_items (arxiv_id);
CREATE INDEX ix_run_profiles_profile_announced ON run_profiles (profile, announced);
CREATE INDEX ix_run_profiles_stage ON run_profiles (stage);
CREATE INDEX ix_webhook_attempts_delivery_id ON webhook_attempts (delivery_id);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX ix_webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at);
CREATE INDEX ix_webhook_subscriptions_profile ON webhook_subscriptions (profile);
