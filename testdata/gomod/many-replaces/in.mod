module example.com/m

go 1.21

require (
	example.com/dep00 v1.0.0
	example.com/dep01 v1.1.0
	example.com/dep02 v1.2.0
	example.com/dep03 v1.3.0
	example.com/dep04 v1.4.0
	example.com/dep05 v1.5.0
	example.com/dep06 v1.6.0
	example.com/dep07 v1.7.0
	example.com/dep08 v1.8.0
	example.com/dep09 v1.9.0
	example.com/dep10 v1.10.0
	example.com/dep11 v1.11.0
	example.com/dep12 v1.12.0
	example.com/dep13 v1.13.0
	example.com/dep14 v1.14.0
	example.com/dep15 v1.15.0
	example.com/dep16 v1.16.0
	example.com/dep17 v1.17.0
	example.com/dep18 v1.18.0
	example.com/dep19 v1.19.0
	example.com/dep20 v1.20.0
	example.com/dep21 v1.21.0
	example.com/dep22 v1.22.0
	example.com/dep23 v1.23.0
	example.com/dep24 v1.24.0
	example.com/dep25 v1.25.0
	example.com/dep26 v1.26.0
	example.com/dep27 v1.27.0
	example.com/dep28 v1.28.0
	example.com/dep29 v1.29.0
	example.com/dep30 v1.30.0
	example.com/dep31 v1.31.0
	example.com/dep32 v1.32.0
	example.com/dep33 v1.33.0
	example.com/dep34 v1.34.0
	example.com/dep35 v1.35.0
	example.com/dep36 v1.36.0
	example.com/dep37 v1.37.0
	example.com/dep38 v1.38.0
	example.com/dep39 v1.39.0
	example.com/dep40 v1.40.0
	example.com/dep41 v1.41.0
	example.com/dep42 v1.42.0
	example.com/dep43 v1.43.0
	example.com/dep44 v1.44.0
	example.com/dep45 v1.45.0
	example.com/dep46 v1.46.0
	example.com/dep47 v1.47.0
	example.com/dep48 v1.48.0
	example.com/dep49 v1.49.0
)

replace example.com/dep07 => ./old07
