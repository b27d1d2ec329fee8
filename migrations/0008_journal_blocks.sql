-- Placeholder on branch helper-reports only, so that 0009 follows a version 8 here: the
-- compressed journal's migration of the same name (branch main) replaces it when merged.
SELECT 1;
