module cross-account-s3

go 1.26
