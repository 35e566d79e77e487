"""Reference tables the checks compare against: Windows and ConfigMgr releases, licence SKUs."""
