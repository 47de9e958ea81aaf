-- Recordings and voicemail on a call: the provider's link to the audio (read by the server's recording proxy only,
-- never answered to a client) and the voicemail's transcript. The row-level security of calls covers both columns.
ALTER TABLE calls ADD COLUMN recording_url text CHECK (length(recording_url) <= 2000);
ALTER TABLE calls ADD COLUMN voicemail_transcript text CHECK (length(voicemail_transcript) <= 10000);
